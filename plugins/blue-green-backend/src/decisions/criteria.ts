import {
  Color,
  CriterionStatus,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { MetricReadings } from '../prometheus/metrics';
import { Probe } from './checklist/evidence';
import { ms, pct2 as pct } from './format';
import { Thresholds } from './thresholds';

export type CriteriaInput = {
  color: Color;
  previous: Color;
  readings: MetricReadings;
  baseline: MetricReadings;
  /** Health endpoint of the live color: the "core function". */
  health: Probe;
  thresholds: Thresholds;
  /** Consecutive failing evaluations so far, per criterion. */
  streaks: Record<string, number>;
  sustainEvaluations: number;
};

export type CriteriaResult = {
  criteria: CriterionStatus[];
  streaks: Record<string, number>;
};

/**
 * The rollback criteria for one evaluation of a post-promote watch. A criterion fires after it failed in
 * `sustainEvaluations` evaluations in a row (OOMKill at once). Missing data is `unknown` and resets
 * the streak: no data never rolls anything back.
 */
export function evaluateCriteria(input: CriteriaInput): CriteriaResult {
  const { color, previous, readings, baseline, thresholds: t } = input;
  const streaks: Record<string, number> = {};
  const criteria: CriterionStatus[] = [];

  const add = (
    c: Omit<CriterionStatus, 'firing' | 'status'> & {
      failing: boolean | undefined;
      sustain?: number;
      unknownReason?: string;
    },
  ) => {
    const streak = c.failing === true ? (input.streaks[c.id] ?? 0) + 1 : 0;
    streaks[c.id] = streak;
    let status: CriterionStatus['status'] = 'pass';
    if (c.failing === undefined) status = 'unknown';
    else if (c.failing) status = 'fail';
    criteria.push({
      id: c.id,
      title: c.title,
      action: c.action,
      status,
      observed: c.failing === undefined ? c.unknownReason : c.observed,
      threshold: c.threshold,
      evidence: c.evidence,
      firing: streak >= (c.sustain ?? input.sustainEvaluations),
    });
  };
  const value = (metric: keyof MetricReadings, of: Color = color) =>
    readings[metric]?.values[of];
  const why = (metric: keyof MetricReadings) =>
    readings[metric]?.error ?? `no data for ${color}`;
  const promql = (metric: keyof MetricReadings) =>
    readings[metric] && {
      type: 'promql' as const,
      query: readings[metric]!.query,
    };

  const errors = value('errorRatio');
  add({
    id: 'error-rate',
    title: '5xx ratio above the rollback threshold',
    action: 'rollback',
    failing: errors === undefined ? undefined : errors > t.rollbackErrorRatio,
    observed: errors === undefined ? undefined : pct(errors),
    unknownReason: why('errorRatio'),
    threshold: `> ${pct(t.rollbackErrorRatio)} sustained`,
    evidence: promql('errorRatio'),
  });

  const oom = value('oomKills');
  add({
    id: 'oom-kill',
    title: 'Containers OOMKilled',
    action: 'rollback',
    failing: oom === undefined ? undefined : oom > 0,
    observed: oom === undefined ? undefined : `${Math.round(oom)} OOMKilled`,
    unknownReason: why('oomKills'),
    threshold: 'any',
    sustain: 1,
    evidence: promql('oomKills'),
  });

  add({
    id: 'core-function',
    title: 'Core function (health endpoint) fails',
    action: 'rollback',
    failing: !input.health.ok,
    observed: input.health.detail,
    threshold: 'HTTP 200',
    evidence: { type: 'http', detail: input.health.detail },
  });

  const p99 = value('p99');
  const p99Before = baseline.p99?.values[previous];
  add({
    id: 'latency-p99',
    title: `P99 above ${t.investigateP99Factor}× ${previous}'s`,
    action: 'investigate',
    failing:
      p99 === undefined || p99Before === undefined
        ? undefined
        : p99 > p99Before * t.investigateP99Factor,
    observed: p99 === undefined ? undefined : ms(p99),
    unknownReason:
      p99 === undefined ? why('p99') : `no P99 baseline from ${previous}`,
    threshold:
      p99Before === undefined
        ? undefined
        : `> ${ms(p99Before * t.investigateP99Factor)}`,
    evidence: promql('p99'),
  });

  const cpu = value('cpuRatio');
  add({
    id: 'cpu',
    title: 'CPU above the limit share, sustained',
    action: 'investigate',
    failing: cpu === undefined ? undefined : cpu > t.investigateCpuRatio,
    observed: cpu === undefined ? undefined : `${pct(cpu)} of limits`,
    unknownReason: why('cpuRatio'),
    threshold: `> ${pct(t.investigateCpuRatio)} of limits`,
    evidence: promql('cpuRatio'),
  });

  return { criteria, streaks };
}
