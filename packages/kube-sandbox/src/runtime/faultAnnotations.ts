/**
 * Fault annotations: how a user breaks a pod the Kubernetes way. Set on the pod template
 * (a new rollout), on a pod, or on its Deployment/Rollout (live, no rollout).
 */
import { KubeObject } from '../api/store';

export const FAULT_PREFIX = 'sandbox.bluegreen.dev/';

export const FAULT_ANNOTATIONS = {
  /** Fraction of requests answered with a 5xx, e.g. "0.2" or "20%". */
  errorRate: `${FAULT_PREFIX}error-rate`,
  /** HTTP status of injected errors (default 500). */
  errorStatus: `${FAULT_PREFIX}error-status`,
  /** Latency added to every request, milliseconds. */
  latencyMs: `${FAULT_PREFIX}latency-ms`,
  /** "true": the readiness probe fails (pod Running, never Ready; Unhealthy events). */
  readinessFail: `${FAULT_PREFIX}readiness-fail`,
  /** "true": the container exits with code 1 shortly after each start (CrashLoopBackOff). */
  crashLoop: `${FAULT_PREFIX}crash-loop`,
  /** The container is OOMKilled this many seconds after each start. */
  oomAfterSeconds: `${FAULT_PREFIX}oom-after-seconds`,
  /** Extra seconds before the pod first becomes Ready. */
  slowStartSeconds: `${FAULT_PREFIX}slow-start-seconds`,
} as const;

export interface PodFaults {
  errorRate: number;
  errorStatus: number;
  latencyMs: number;
  readinessFail: boolean;
  crashLoop: boolean;
  oomAfterSeconds?: number;
  slowStartSeconds: number;
}

function num(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const t = v.trim();
  const n = t.endsWith('%') ? Number(t.slice(0, -1)) / 100 : Number(t);
  return Number.isFinite(n) ? n : undefined;
}

const truthy = (v: string | undefined) =>
  v !== undefined &&
  ['true', '1', 'yes', 'on'].includes(v.trim().toLowerCase());

/**
 * Effective faults of a pod: the pod's own annotations (which include its template's),
 * else the owning workload's (Deployment or Rollout) metadata annotations.
 */
export function podFaults(pod: KubeObject, workload?: KubeObject): PodFaults {
  const get = (k: string) =>
    pod.metadata.annotations?.[k] ?? workload?.metadata.annotations?.[k];
  const rate = num(get(FAULT_ANNOTATIONS.errorRate)) ?? 0;
  return {
    errorRate: Math.min(1, Math.max(0, rate)),
    errorStatus: num(get(FAULT_ANNOTATIONS.errorStatus)) ?? 500,
    latencyMs: Math.max(0, num(get(FAULT_ANNOTATIONS.latencyMs)) ?? 0),
    readinessFail: truthy(get(FAULT_ANNOTATIONS.readinessFail)),
    crashLoop: truthy(get(FAULT_ANNOTATIONS.crashLoop)),
    oomAfterSeconds: num(get(FAULT_ANNOTATIONS.oomAfterSeconds)),
    slowStartSeconds: Math.max(
      0,
      num(get(FAULT_ANNOTATIONS.slowStartSeconds)) ?? 0,
    ),
  };
}
