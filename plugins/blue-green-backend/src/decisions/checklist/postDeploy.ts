import {
  ChecklistItem,
  Color,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { StrategySnapshot } from '@bluegreen-backstage/plugin-blue-green-node';
import { MetricReadings } from '../../prometheus/metrics';
import { MetricKey } from '../../prometheus/queries';
import { ms, num, pct } from '../format';
import { Thresholds } from '../thresholds';
import { MetricCheck, metricItem } from './metricItem';

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

/** The post-deploy checks of the first minutes, for the live color against the previous one. */
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
