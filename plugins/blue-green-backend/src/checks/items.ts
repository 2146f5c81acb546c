import {
  CheckCategory,
  CheckStatus,
  ChecklistItem,
  Color,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { StrategySnapshot } from '../strategies';
import { ChecksConfig, MetricKey, Thresholds } from './config';
import { MetricReadings } from './metrics';

/** A manual item: a person looks and signs off (seed 000 §1.1, seed 001 §5). */
type ManualItem = {
  id: string;
  category: CheckCategory;
  title: string;
  required: boolean;
  phase: 'pre' | 'post';
};

export const MANUAL_ITEMS: ManualItem[] = [
  {
    id: 'smoke-test',
    category: 'application',
    title: 'Smoke test passed',
    required: true,
    phase: 'pre',
  },
  {
    id: 'critical-endpoints',
    category: 'application',
    title: 'Critical API endpoints tested',
    required: true,
    phase: 'pre',
  },
  {
    id: 'db-migration',
    category: 'database',
    title: 'Database migration ran (expand phase)',
    required: true,
    phase: 'pre',
  },
  {
    id: 'schema-compatible',
    category: 'database',
    title: 'Schema is backward compatible with the live version',
    required: true,
    phase: 'pre',
  },
  {
    id: 'backfill',
    category: 'database',
    title: 'Data backfill done',
    required: false,
    phase: 'pre',
  },
  {
    id: 'alert-channels',
    category: 'monitoring',
    title: 'Alert channels work',
    required: false,
    phase: 'pre',
  },
  {
    id: 'rollback-owner',
    category: 'monitoring',
    title: 'Rollback owner on standby',
    required: true,
    phase: 'pre',
  },
  {
    id: 'contract',
    category: 'database',
    title:
      'Contract phase done: old columns removed (rollback to the previous version is then blocked)',
    required: false,
    phase: 'post',
  },
];

/** The item whose sign-off blocks rollback (seed 001 §5, expand/contract). */
export const CONTRACT_ITEM = 'contract';

export type SignOff = { by: string; at: string; note?: string };

/** A fact a check needs that did not come from Prometheus. */
/** One dependency probe; `notProbed` when the host is not one the backend may contact. */
export type Probe = { ok: boolean; detail: string; notProbed?: boolean };

const pct = (ratio: number) =>
  `${(ratio * 100).toFixed(ratio < 0.01 ? 3 : 2)} %`;
const ms = (seconds: number) => `${Math.round(seconds * 1000)} ms`;
const num = (value: number) =>
  value >= 100 ? value.toFixed(0) : value.toFixed(2);

type MetricCheck = {
  id: string;
  category: CheckCategory;
  title: string;
  required: boolean;
  metric: MetricKey;
  threshold: string;
  /** Returns the status for the observed value, or a reason it cannot say. */
  judge: (
    value: number,
  ) => { status: CheckStatus; message?: string } | CheckStatus;
  format: (value: number) => string;
};

/**
 * An item from a metric: `unknown` when Prometheus failed or had no sample for the color (never
 * `pass` on missing data), otherwise the judgement.
 */
function metricItem(
  check: MetricCheck,
  readings: MetricReadings,
  color: Color,
  warnings: string[],
): ChecklistItem {
  const reading = readings[check.metric];
  const value = reading?.values[color];
  const base: ChecklistItem = {
    id: check.id,
    category: check.category,
    title: check.title,
    kind: 'auto',
    required: check.required,
    status: 'unknown',
    threshold: check.threshold,
    evidence: reading && { type: 'promql', query: reading.query },
  };
  if (!reading || reading.error) {
    if (reading?.error && !warnings.includes(reading.error)) {
      warnings.push(reading.error);
    }
    return { ...base, message: reading?.error ?? 'not measured' };
  }
  if (value === undefined) {
    return { ...base, message: `Prometheus has no data for ${color}` };
  }
  const judged = check.judge(value);
  const result = typeof judged === 'string' ? { status: judged } : judged;
  return { ...base, ...result, observed: check.format(value) };
}

/** Pods Running & Ready, ready == desired (seed 001's rule), from the cluster. */
function readinessItems(
  snapshot: StrategySnapshot,
  color: Color,
): ChecklistItem[] {
  const status = snapshot.colors[color];
  const running = status.pods.filter(p => p.phase === 'Running' && p.ready);
  const notReady = status.pods.filter(p => !(p.phase === 'Running' && p.ready));
  return [
    {
      id: 'pods-ready',
      category: 'infrastructure',
      title: `All ${color} pods are Running and Ready`,
      kind: 'auto',
      required: true,
      status: status.pods.length > 0 && notReady.length === 0 ? 'pass' : 'fail',
      observed: `${running.length}/${status.pods.length} pods`,
      message: notReady.length
        ? notReady
            .slice(0, 3)
            .map(
              p =>
                `${p.name}: ${
                  p.waitingReason ?? p.lastTerminationReason ?? p.phase
                }`,
            )
            .join('; ')
        : undefined,
      evidence: {
        type: 'kubernetes',
        detail: `pods of ${status.workload?.kind ?? 'workload'} ${
          status.workload?.name ?? '(none)'
        }`,
      },
    },
    {
      id: 'replicas',
      category: 'infrastructure',
      title: 'Ready replicas equal desired replicas',
      kind: 'auto',
      required: true,
      status:
        status.replicas.desired > 0 &&
        status.replicas.ready >= status.replicas.desired
          ? 'pass'
          : 'fail',
      observed: `${status.replicas.ready}/${status.replicas.desired} ready`,
      threshold: `= ${status.replicas.desired}`,
      evidence: {
        type: 'kubernetes',
        detail: `${status.workload?.kind ?? 'workload'} ${
          status.workload?.name ?? '(none)'
        } status`,
      },
    },
  ];
}

export type PreDeployInput = {
  color: Color;
  snapshot: StrategySnapshot;
  readings: MetricReadings;
  health: Probe;
  healthPath: string;
  /** Configured dependency probes; undefined when none are configured (the item is manual). */
  dependencies?: Probe[];
  /** The Service's sessionAffinity. */
  sessionAffinity?: string;
  analysis: ChecklistItem[];
  slo: ChecklistItem[];
  thresholds: Thresholds;
  prometheusConfigured: boolean;
  warnings: string[];
};

/** Seed 000 §1.1's pre-deploy list for the color about to go live. */
export function preDeployItems(input: PreDeployInput): ChecklistItem[] {
  const { color, snapshot, readings, thresholds, warnings } = input;
  const template = snapshot.raw.templates[color]?.spec;
  const containers: any[] = template?.containers ?? [];
  const preStop = containers.some(c => c.lifecycle?.preStop);
  const grace = template?.terminationGracePeriodSeconds;

  const items: ChecklistItem[] = [
    ...readinessItems(snapshot, color),
    {
      id: 'health-endpoint',
      category: 'infrastructure',
      title: `Health endpoint ${input.healthPath} answers 200`,
      kind: 'auto',
      required: true,
      status: input.health.ok ? 'pass' : 'fail',
      observed: input.health.detail,
      threshold: 'HTTP 200',
      evidence: { type: 'http', detail: input.health.detail },
    },
    metricItem(
      {
        id: 'cpu',
        category: 'infrastructure',
        title: 'CPU below the limit',
        required: false,
        metric: 'cpuRatio',
        threshold: `< ${pct(thresholds.cpuRatio)} of limits`,
        judge: v => (v < thresholds.cpuRatio ? 'pass' : 'fail'),
        format: v => `${pct(v)} of limits`,
      },
      readings,
      color,
      warnings,
    ),
    metricItem(
      {
        id: 'memory',
        category: 'infrastructure',
        title: 'Memory below the limit',
        required: false,
        metric: 'memoryRatio',
        threshold: `< ${pct(thresholds.memoryRatio)} of limits`,
        judge: v => (v < thresholds.memoryRatio ? 'pass' : 'fail'),
        format: v => `${pct(v)} of limits`,
      },
      readings,
      color,
      warnings,
    ),
  ];

  if (input.dependencies) {
    const failing = input.dependencies.filter(d => !d.ok && !d.notProbed);
    const notProbed = input.dependencies.filter(d => d.notProbed);
    let status: ChecklistItem['status'] = 'pass';
    if (failing.length) status = 'fail';
    else if (notProbed.length) status = 'unknown';
    items.push({
      id: 'dependencies',
      category: 'application',
      title: 'Dependencies reachable',
      kind: 'auto',
      required: true,
      status,
      observed: `${input.dependencies.length - failing.length}/${
        input.dependencies.length
      } reachable`,
      message:
        [...failing, ...notProbed].map(d => d.detail).join('; ') || undefined,
      evidence: {
        type: 'http',
        detail: input.dependencies.map(d => d.detail).join('; '),
      },
    });
  }

  const requestSeries = readings.requestRate;
  let metricsAvailable: Pick<ChecklistItem, 'status' | 'observed' | 'message'>;
  if (!input.prometheusConfigured) {
    metricsAvailable = {
      status: 'unknown',
      message: 'no Prometheus is configured (blueGreen.prometheus.url)',
    };
  } else if (!requestSeries || requestSeries.error) {
    metricsAvailable = { status: 'unknown', message: requestSeries?.error };
  } else {
    const colors = Object.keys(requestSeries.values) as Color[];
    metricsAvailable =
      colors.length === 0
        ? {
            status: 'fail',
            message:
              'Prometheus has no request series for this service: are its pods scraped?',
          }
        : {
            status: 'pass',
            observed: colors
              .map(c => `${c}: ${num(requestSeries.values[c]!)} req/s`)
              .join(', '),
            message: colors.includes(color)
              ? undefined
              : `${color} has served no requests yet`,
          };
  }
  items.push({
    id: 'metrics-available',
    category: 'monitoring',
    title: 'Prometheus scrapes the request metrics of this service',
    kind: 'auto',
    required: false,
    ...metricsAvailable,
    evidence: requestSeries && { type: 'promql', query: requestSeries.query },
  });

  items.push(
    {
      id: 'draining',
      category: 'networking',
      title: 'Connection draining: preStop hook or termination grace period',
      kind: 'auto',
      required: false,
      status: preStop || (grace ?? 30) > 30 ? 'pass' : 'warn',
      observed: `preStop ${
        preStop ? 'set' : 'missing'
      }, terminationGracePeriodSeconds ${grace ?? '30 (default)'}`,
      message:
        preStop || (grace ?? 30) > 30
          ? undefined
          : 'in-flight requests may be cut when the old color scales down (seed 000 §4.3)',
      evidence: { type: 'kubernetes', detail: `${color} pod template` },
    },
    {
      id: 'session-affinity',
      category: 'networking',
      title: 'No sticky sessions pinned to the old color',
      kind: 'auto',
      required: false,
      status: input.sessionAffinity === 'ClientIP' ? 'warn' : 'pass',
      observed: `sessionAffinity ${input.sessionAffinity ?? 'None'}`,
      message:
        input.sessionAffinity === 'ClientIP'
          ? 'clients keep reaching pods by affinity; sessions may break on the switch'
          : undefined,
      evidence: { type: 'kubernetes', detail: 'Service spec.sessionAffinity' },
    },
    ...input.analysis,
    ...input.slo,
  );
  return items;
}

export type PostDeployInput = {
  color: Color;
  previous: Color;
  snapshot: StrategySnapshot;
  readings: MetricReadings;
  /** The previous color's values while it was live (at the switch), else now. */
  baseline: MetricReadings;
  thresholds: Thresholds;
  warnings: string[];
};

/** Seed 000 §1.2's first-five-minutes checks for the live color, against the previous one. */
export function postDeployItems(input: PostDeployInput): ChecklistItem[] {
  const {
    color,
    previous,
    readings,
    baseline,
    thresholds: t,
    warnings,
  } = input;
  const base = (metric: MetricKey) => baseline[metric]?.values[previous];
  const items: ChecklistItem[] = [];
  const add = (check: MetricCheck) =>
    items.push(metricItem(check, readings, color, warnings));

  add({
    id: 'error-rate',
    category: 'traffic',
    title: '5xx ratio',
    required: true,
    metric: 'errorRatio',
    threshold: `< ${pct(t.errorRatio)}`,
    judge: v => (v < t.errorRatio ? 'pass' : 'fail'),
    format: pct,
  });
  const client = base('clientErrorRatio');
  add({
    id: 'client-errors',
    category: 'traffic',
    title: `No 4xx spike against ${previous}`,
    required: true,
    metric: 'clientErrorRatio',
    threshold:
      client === undefined
        ? `no baseline from ${previous}`
        : `<= ${pct(
            Math.max(
              client * t.clientErrorSpikeFactor,
              client + t.clientErrorSpikeMargin,
            ),
          )}`,
    judge: v => {
      if (client === undefined) {
        return {
          status: 'unknown',
          message: `no 4xx baseline from ${previous}`,
        };
      }
      const limit = Math.max(
        client * t.clientErrorSpikeFactor,
        client + t.clientErrorSpikeMargin,
      );
      return v <= limit ? 'pass' : 'fail';
    },
    format: pct,
  });
  const p99 = base('p99');
  add({
    id: 'latency-p99',
    category: 'traffic',
    title: `P99 latency below ${t.p99Factor}× ${previous}'s`,
    required: true,
    metric: 'p99',
    threshold:
      p99 === undefined
        ? `no baseline from ${previous}`
        : `< ${ms(p99 * t.p99Factor)}`,
    judge: v =>
      p99 === undefined
        ? { status: 'unknown', message: `no P99 baseline from ${previous}` }
        : (v < p99 * t.p99Factor && 'pass') || 'fail',
    format: ms,
  });
  const rps = base('requestRate');
  let band: [number, number] | undefined;
  if (t.rpsMin !== undefined || t.rpsMax !== undefined) {
    band = [t.rpsMin ?? 0, t.rpsMax ?? Number.POSITIVE_INFINITY];
  } else if (rps !== undefined && rps > 0) {
    band = [rps * (1 - t.rpsBandFactor), rps * (1 + t.rpsBandFactor)];
  }
  add({
    id: 'rps',
    category: 'traffic',
    title: 'Requests per second in the normal range',
    required: false,
    metric: 'requestRate',
    threshold: band
      ? `${num(band[0])} – ${
          Number.isFinite(band[1]) ? num(band[1]) : '∞'
        } req/s`
      : 'no band configured and no baseline',
    judge: v =>
      band
        ? (v >= band[0] && v <= band[1] && 'pass') || 'warn'
        : { status: 'unknown', message: 'no band configured and no baseline' },
    format: v => `${num(v)} req/s`,
  });
  add({
    id: 'restarts',
    category: 'infrastructure',
    title: 'No restart loop',
    required: true,
    metric: 'restarts',
    threshold: `< ${t.restarts} restarts in the window`,
    judge: v => {
      if (v >= t.restarts) return 'fail';
      return v > 0.5 ? 'warn' : 'pass';
    },
    format: v => `${Math.round(v)} restarts`,
  });
  add({
    id: 'oom-kills',
    category: 'infrastructure',
    title: 'No OOMKill',
    required: true,
    metric: 'oomKills',
    threshold: '0 containers last terminated by OOMKilled',
    judge: v => (v > 0 ? 'fail' : 'pass'),
    format: v => `${Math.round(v)} OOMKilled`,
  });
  return items;
}

/** Adds manual items with their sign-offs, and applies the config's per-item overrides. */
export function finishItems(
  phase: 'pre' | 'post',
  automatic: ChecklistItem[],
  signOffs: Map<string, SignOff>,
  overrides: ChecksConfig['items'],
  skipped: Set<string>,
): ChecklistItem[] {
  const manual: ChecklistItem[] = MANUAL_ITEMS.filter(
    m => m.phase === phase,
  ).map(m => {
    const signOff = signOffs.get(m.id);
    return {
      id: m.id,
      category: m.category,
      title: m.title,
      kind: 'manual',
      required: m.required,
      status: signOff ? 'pass' : 'pending',
      signOff,
      evidence: signOff && {
        type: 'sign-off',
        detail: `${signOff.by} at ${signOff.at}`,
      },
    };
  });
  // A dependency check with no configured targets is a person's job.
  if (phase === 'pre' && !automatic.some(i => i.id === 'dependencies')) {
    const signOff = signOffs.get('dependencies');
    manual.push({
      id: 'dependencies',
      category: 'application',
      title: 'Dependencies (database, cache, external APIs) reachable',
      kind: 'manual',
      required: true,
      status: signOff ? 'pass' : 'pending',
      signOff,
      message:
        'set blue-green.backstage.io/dependencies to URLs or host:port to check automatically',
    });
  }
  return [...automatic, ...manual]
    .filter(
      item => overrides[item.id]?.enabled !== false && !skipped.has(item.id),
    )
    .map(item =>
      overrides[item.id]?.required === undefined
        ? item
        : { ...item, required: overrides[item.id]!.required! },
    );
}

/** fail if a required item fails; else unknown/pending/warn if a required item is so; else pass. */
export function overallStatus(items: ChecklistItem[]): CheckStatus {
  const required = items.filter(i => i.required);
  for (const status of ['fail', 'unknown', 'pending', 'warn'] as const) {
    if (required.some(i => i.status === status)) return status;
  }
  return 'pass';
}

/** Why promote must wait: required items that do not pass, by name. */
export function blockingReasons(items: ChecklistItem[]): string[] {
  return items
    .filter(i => i.required && i.status !== 'pass')
    .map(
      i =>
        `${i.kind === 'manual' ? 'sign-off missing' : `check ${i.status}`}: ${
          i.title
        } (${i.id})`,
    );
}
