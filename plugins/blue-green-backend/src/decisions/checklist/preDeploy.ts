import {
  ChecklistItem,
  Color,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { StrategySnapshot } from '@bluegreen-backstage/plugin-blue-green-node';
import { MetricReadings } from '../../prometheus/metrics';
import { num, pct } from '../format';
import { Thresholds } from '../thresholds';
import { Probe } from './evidence';
import { metricItem } from './metricItem';

/** Pods Running & Ready, ready == desired, from the cluster. */
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

/** The pre-deploy checklist's automatic items for the color about to go live. */
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
          : 'in-flight requests may be cut when the old color scales down',
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
