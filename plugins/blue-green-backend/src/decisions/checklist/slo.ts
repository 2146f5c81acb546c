import {
  ChecklistItem,
  Color,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { MetricReadings } from '../../prometheus/metrics';
import { SloConfig } from '../thresholds';

type SloMetric = 'errorRatio' | 'latencyUnder';

/** The share of bad requests: errors, or requests slower than the threshold. */
const badOf = (metric: SloMetric, value: number | undefined) => {
  if (value === undefined) return undefined;
  return metric === 'errorRatio' ? value : 1 - value;
};

/**
 * The SLO items of the pre-deploy checklist: availability and latency of the live color over the
 * SLO window, the error budget left and the burn rate of the last hour; a warning under half the
 * budget. `readings` is absent without a Prometheus (both items unknown).
 */
export function sloItems(
  slo: SloConfig,
  live: Color,
  readings: { window: MetricReadings; hour: MetricReadings } | undefined,
  warnings: string[],
): ChecklistItem[] {
  const item = (id: string, title: string, target: number): ChecklistItem => ({
    id,
    category: 'slo',
    title,
    kind: 'auto',
    required: false,
    status: 'unknown',
    threshold: `≥ 50 % of the ${
      slo.windowDays
    }-day error budget left (objective ${(target * 100).toFixed(2)} %)`,
  });
  const availability = item(
    'error-budget',
    'Availability SLO error budget',
    slo.availability,
  );
  const latency = item(
    'latency-budget',
    `Latency SLO: ${(slo.latency * 100).toFixed(0)} % of requests under ${
      slo.latencyThresholdMs
    } ms`,
    slo.latency,
  );
  if (!readings) return [availability, latency];

  const judge = (
    base: ChecklistItem,
    metric: SloMetric,
    target: number,
  ): ChecklistItem => {
    const reading = readings.window[metric];
    const bad = badOf(metric, reading?.values[live]);
    const recent = badOf(metric, readings.hour[metric]?.values[live]);
    if (reading?.error && !warnings.includes(reading.error)) {
      warnings.push(reading.error);
    }
    if (bad === undefined) {
      return {
        ...base,
        message: reading?.error ?? `Prometheus has no data for ${live}`,
        evidence: reading && { type: 'promql', query: reading.query },
      };
    }
    const budget = 1 - target;
    let remaining = bad === 0 ? 1 : 0;
    if (budget > 0) remaining = 1 - bad / budget;
    const burn =
      recent === undefined || budget <= 0 ? undefined : recent / budget;
    return {
      ...base,
      status: remaining >= 0.5 ? 'pass' : 'warn',
      observed: `${live}: ${((1 - bad) * 100).toFixed(3)} % attained, ${(
        Math.max(remaining, 0) * 100
      ).toFixed(0)} % of the budget left${
        burn === undefined ? '' : `, burn rate ${burn.toFixed(2)}×`
      }`,
      message:
        remaining < 0.5
          ? 'less than half of the monthly error budget remains: promote with care'
          : undefined,
      evidence: { type: 'promql', query: reading!.query },
    };
  };
  return [
    judge(availability, 'errorRatio', slo.availability),
    judge(latency, 'latencyUnder', slo.latency),
  ];
}
