import {
  Color,
  CriterionStatus,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { MetricReading, MetricReadings } from '../prometheus/metrics';
import { MetricKey } from '../prometheus/queries';
import { Probe } from './checklist/evidence';
import {
  CriteriaSettings,
  CriterionSettings,
  describeFor,
} from './criteriaSettings';
import { ms, pct2 as pct } from './format';
import { Thresholds } from './thresholds';

/** The range a criterion without one of its own reads its metric at (a gauge: any will do). */
const GAUGE_WINDOW = '5m';

/** The metric each built-in criterion reads. */
const METRIC_OF: Record<string, MetricKey | undefined> = {
  'error-rate': 'errorRatio',
  'restart-loop': 'restarts',
  'oom-kill': 'oomKills',
  'latency-p99': 'p99',
  cpu: 'cpuRatio',
};

/** The Prometheus reads the criteria need, grouped by range: one query per metric and range. */
export function criteriaReads(
  settings: CriteriaSettings,
): Map<string, MetricKey[]> {
  const reads = new Map<string, MetricKey[]>();
  for (const [id, s] of Object.entries(settings)) {
    const metric = METRIC_OF[id];
    if (!metric || s.action === 'off') continue;
    const window = s.window || GAUGE_WINDOW;
    reads.set(window, [...new Set([...(reads.get(window) ?? []), metric])]);
  }
  return reads;
}

/** The range the P99 baseline is read at: the latency criterion's. */
export const latencyWindow = (settings: CriteriaSettings) =>
  settings['latency-p99']?.window || '1m';

/** A criterion judged elsewhere (a custom check, the log signal): the evaluation adds its timing. */
export type JudgedCriterion = Omit<
  CriterionStatus,
  'firing' | 'status' | 'action'
> & { failing: boolean | undefined; unknownReason?: string };

export type CriteriaInput = {
  color: Color;
  previous: Color;
  /** Readings by range (see {@link criteriaReads}). */
  readings: Record<string, MetricReadings>;
  /** The previous color's P99 at the promote, at the latency criterion's range. */
  baseline: MetricReadings;
  /** Health endpoint of the live color: the "core function". */
  health: Probe;
  thresholds: Thresholds;
  settings: CriteriaSettings;
  /** Since when each criterion has failed without a break (ISO times), as the last evaluation left it. */
  failingSince: Record<string, string>;
  now: Date;
  /** More criteria, already judged (custom checks, the log signal); each has settings by its id. */
  extra?: JudgedCriterion[];
};

export type CriteriaResult = {
  criteria: CriterionStatus[];
  failingSince: Record<string, string>;
};

/**
 * The rollback criteria for one evaluation of a post-promote watch (or of a step of a stepped
 * shift). A criterion fires once it has failed for its `for` without a break (0: at once). Missing
 * data is `unknown` and breaks the run: no data never rolls anything back. Criteria set to `off`
 * are left out.
 */
export function evaluateCriteria(input: CriteriaInput): CriteriaResult {
  const { color, previous, baseline, thresholds: t, settings, now } = input;
  const failingSince: Record<string, string> = {};
  const criteria: CriterionStatus[] = [];

  const add = (id: string, c: Omit<JudgedCriterion, 'id'>) => {
    const s: CriterionSettings | undefined = settings[id];
    if (!s || s.action === 'off') return;
    let status: CriterionStatus['status'] = 'pass';
    let firing = false;
    if (c.failing === undefined) {
      status = 'unknown';
    } else if (c.failing) {
      status = 'fail';
      const since = input.failingSince[id] ?? now.toISOString();
      failingSince[id] = since;
      firing = now.getTime() - Date.parse(since) >= s.forMs;
    }
    criteria.push({
      id,
      title: c.title,
      action: s.action,
      status,
      observed: c.failing === undefined ? c.unknownReason : c.observed,
      threshold: c.threshold && `${c.threshold} ${describeFor(s.forMs)}`,
      evidence: c.evidence,
      firing,
    });
  };
  const reading = (id: string): MetricReading | undefined => {
    const s = settings[id];
    const metric = METRIC_OF[id];
    return s && metric
      ? input.readings[s.window || GAUGE_WINDOW]?.[metric]
      : undefined;
  };
  const value = (id: string) => reading(id)?.values[color];
  const why = (id: string) => reading(id)?.error ?? `no data for ${color}`;
  const promql = (id: string) => {
    const r = reading(id);
    return r && { type: 'promql' as const, query: r.query };
  };

  const errors = value('error-rate');
  add('error-rate', {
    title: '5xx ratio above the rollback threshold',
    failing: errors === undefined ? undefined : errors > t.rollbackErrorRatio,
    observed: errors === undefined ? undefined : pct(errors),
    unknownReason: why('error-rate'),
    threshold: `> ${pct(t.rollbackErrorRatio)}`,
    evidence: promql('error-rate'),
  });

  const restarts = value('restart-loop');
  add('restart-loop', {
    title: 'Pods restart in a loop',
    failing: restarts === undefined ? undefined : restarts > t.restarts,
    observed:
      restarts === undefined
        ? undefined
        : `${Math.round(restarts)} restarts in ${
            settings['restart-loop']?.window
          }`,
    unknownReason: why('restart-loop'),
    threshold: `> ${t.restarts} restarts in ${settings['restart-loop']?.window}`,
    evidence: promql('restart-loop'),
  });

  const oom = value('oom-kill');
  add('oom-kill', {
    title: 'Containers OOMKilled',
    failing: oom === undefined ? undefined : oom > 0,
    observed: oom === undefined ? undefined : `${Math.round(oom)} OOMKilled`,
    unknownReason: why('oom-kill'),
    threshold: 'any',
    evidence: promql('oom-kill'),
  });

  add('core-function', {
    title: 'Core function (health endpoint) fails',
    failing: !input.health.ok,
    observed: input.health.detail,
    threshold: 'not HTTP 200',
    evidence: { type: 'http', detail: input.health.detail },
  });

  const p99 = value('latency-p99');
  const p99Before = baseline.p99?.values[previous];
  add('latency-p99', {
    title: `P99 above ${t.investigateP99Factor}× ${previous}'s`,
    failing:
      p99 === undefined || p99Before === undefined
        ? undefined
        : p99 > p99Before * t.investigateP99Factor,
    observed: p99 === undefined ? undefined : ms(p99),
    unknownReason:
      p99 === undefined
        ? why('latency-p99')
        : `no P99 baseline from ${previous}`,
    threshold:
      p99Before === undefined
        ? undefined
        : `> ${ms(p99Before * t.investigateP99Factor)}`,
    evidence: promql('latency-p99'),
  });

  const cpu = value('cpu');
  add('cpu', {
    title: 'CPU above the limit share, sustained',
    failing: cpu === undefined ? undefined : cpu > t.investigateCpuRatio,
    observed: cpu === undefined ? undefined : `${pct(cpu)} of limits`,
    unknownReason: why('cpu'),
    threshold: `> ${pct(t.investigateCpuRatio)} of limits`,
    evidence: promql('cpu'),
  });

  for (const { id, ...judged } of input.extra ?? []) add(id, judged);

  return { criteria, failingSince };
}
