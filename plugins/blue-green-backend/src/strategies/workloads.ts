import {
  Color,
  ColorStatus,
  PodSummary,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  formatLabelSelector,
  JsonPatchOperation,
  KubeObject,
  labelSelectorOf,
  LabelSelectorObject,
} from '@bluegreen-backstage/plugin-blue-green-node';

/** `app=my-app,color=blue` from a workload's `spec.selector` (matchLabels and matchExpressions). */
export function selectorString(selector: LabelSelectorObject): string {
  return formatLabelSelector(labelSelectorOf(selector));
}

/** Whether `labels` carry every key/value of `required`. */
export function labelsMatch(
  labels: Record<string, string> | undefined,
  required: Record<string, string>,
): boolean {
  return Object.entries(required).every(([k, v]) => labels?.[k] === v);
}

export function summarizePod(pod: KubeObject): PodSummary {
  const statuses: any[] = pod.status?.containerStatuses ?? [];
  const conditions: any[] = pod.status?.conditions ?? [];
  const waiting = statuses.find(s => s.state?.waiting)?.state?.waiting;
  const lastTerminated = statuses.find(s => s.lastState?.terminated)?.lastState
    ?.terminated;
  return {
    name: pod.metadata.name,
    phase: pod.status?.phase ?? 'Unknown',
    ready: conditions.some(c => c.type === 'Ready' && c.status === 'True'),
    restarts: statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0),
    waitingReason: waiting?.reason,
    lastTerminationReason: lastTerminated?.reason,
    ip: pod.status?.podIP,
    startedAt: pod.status?.startTime,
  };
}

/** Images of a pod template, in container order. */
export function templateImages(template: any): string[] {
  return (template?.spec?.containers ?? []).map((c: any) => String(c.image));
}

/** The `version` label of a pod template, else the first image's tag. */
export function templateVersion(template: any): string | undefined {
  const label = template?.metadata?.labels?.version;
  if (label) return label;
  const image = templateImages(template)[0];
  const tag = image?.includes(':') ? image.split(':').pop() : undefined;
  return tag && !tag.includes('/') ? tag : undefined;
}

/** A color with no workload: what the tab shows when a Deployment is missing. */
export function missingColor(
  color: Color,
  role: ColorStatus['role'],
): ColorStatus {
  return {
    color,
    role,
    weight: role === 'live' ? 100 : 0,
    images: [],
    replicas: { desired: 0, ready: 0, available: 0 },
    pods: [],
  };
}

/** A color backed by a Deployment (service-selector and Istio strategies). */
export function deploymentColor(
  color: Color,
  deployment: KubeObject | undefined,
  pods: KubeObject[],
  role: ColorStatus['role'],
  weight: number,
): ColorStatus {
  if (!deployment) return { ...missingColor(color, role), weight };
  const template = deployment.spec?.template;
  return {
    color,
    role,
    weight,
    workload: { kind: 'Deployment', name: deployment.metadata.name },
    version: templateVersion(template),
    images: templateImages(template),
    replicas: {
      desired: deployment.spec?.replicas ?? 1,
      ready: deployment.status?.readyReplicas ?? 0,
      available: deployment.status?.availableReplicas ?? 0,
    },
    pods: pods.map(summarizePod),
  };
}

/** An error's message, for a request description. */
export const errorText = (error: unknown) =>
  error instanceof Error ? error.message : String(error);

export const sleep = (ms: number) =>
  new Promise<void>(resolve => setTimeout(resolve, ms));

/**
 * Polls `check` until it reports done, or the timeout passes. Returns the last result either way.
 *
 * The first check runs at once; the pauses between checks start at 10 ms and double up to
 * `intervalMs`, so a change that lands within milliseconds (an Endpoints controller reacting to a
 * selector patch) is noticed within milliseconds, and a slow one costs at most one check per
 * `intervalMs`.
 */
export async function pollUntil<T extends { done: boolean }>(
  check: () => Promise<T>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let pause = Math.min(10, intervalMs); ; ) {
    const result = await check();
    if (result.done || Date.now() >= deadline) return result;
    await sleep(pause);
    pause = Math.min(pause * 2, intervalMs);
  }
}

/** JSON-pointer segment for a map key such as the label `app.kubernetes.io/color`. */
export function pointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * The annotation a switch writes, in the same compare-and-swap patch, on the object it switches:
 * the id of its history entry. After an ambiguous error (a lost answer, a timeout) it tells whether
 * this write landed or a concurrent one did — and `kubectl describe` shows which switch was last.
 */
export const SWITCH_ID_ANNOTATION = 'blue-green.backstage.io/switch-id';

/** The JSON-patch operations that set {@link SWITCH_ID_ANNOTATION} on `object`. */
export function switchIdOps(
  object: KubeObject,
  switchId: string | undefined,
): JsonPatchOperation[] {
  if (!switchId) return [];
  return object.metadata.annotations
    ? [
        {
          op: 'add',
          path: `/metadata/annotations/${pointer(SWITCH_ID_ANNOTATION)}`,
          value: switchId,
        },
      ]
    : [
        {
          op: 'add',
          path: '/metadata/annotations',
          value: { [SWITCH_ID_ANNOTATION]: switchId },
        },
      ];
}

/** `StrategySnapshot.objectVersion` of the switched object: its generation, else resourceVersion. */
export function objectVersionOf(object: KubeObject | undefined) {
  const { generation, resourceVersion } = object?.metadata ?? {};
  return generation !== undefined ? `g${generation}` : resourceVersion;
}
