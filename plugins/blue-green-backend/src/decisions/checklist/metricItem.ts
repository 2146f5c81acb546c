import {
  CheckCategory,
  CheckStatus,
  ChecklistItem,
  Color,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { MetricReadings } from '../../prometheus/metrics';
import { MetricKey } from '../../prometheus/queries';

/** A checklist item judged on one metric of one color. */
export type MetricCheck = {
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
export function metricItem(
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
