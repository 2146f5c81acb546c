import {
  COLORS,
  MetricName,
  MetricsResponse,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { MetricReader, MetricScope } from '../prometheus/metrics';
import { MetricKey } from '../prometheus/queries';

const CHARTED: Array<[MetricName, MetricKey]> = [
  ['rps', 'requestRate'],
  ['errorRatio', 'errorRatio'],
  ['p99', 'p99'],
];

/**
 * RPS, 5xx ratio and P99 per color over a range, one range query each, on a grid aligned to the
 * step so that every chart (and every refresh) shares the same timestamps.
 */
export async function metricCharts(
  metrics: MetricReader,
  scope: MetricScope,
  range: { seconds: number; stepSeconds: number },
  now = Date.now(),
): Promise<MetricsResponse> {
  const step = range.stepSeconds;
  const endSeconds = Math.floor(now / 1000 / step) * step;
  const end = new Date(endSeconds * 1000);
  const start = new Date((endSeconds - range.seconds) * 1000);
  const window = `${Math.max(4 * step, 30)}s`;
  const queries = Object.fromEntries(
    CHARTED.map(([name, key]) => [name, metrics.query(scope, key, window)]),
  ) as Record<MetricName, string>;
  const warnings: string[] = [];
  const series: MetricsResponse['series'] = [];
  if (!metrics.configured(scope)) {
    warnings.push('no Prometheus is configured (blueGreen.prometheus.url)');
  } else {
    await Promise.all(
      CHARTED.map(async ([name]) => {
        try {
          const result = await metrics.prometheus.queryRange(
            scope.cluster,
            queries[name],
            { start, end, stepSeconds: step },
          );
          for (const color of COLORS) {
            const points = new Map<number, number>();
            for (const s of result) {
              if (scope.colorOf(s.labels[scope.group] ?? '') !== color) {
                continue;
              }
              for (const [t, v] of s.points) {
                if (Number.isFinite(v)) points.set(t, (points.get(t) ?? 0) + v);
              }
            }
            const all: Array<[number, number | null]> = [];
            for (
              let t = endSeconds - range.seconds;
              t <= endSeconds;
              t += step
            ) {
              all.push([t, points.get(t) ?? null]);
            }
            series.push({ metric: name, color, points: all });
          }
        } catch (error) {
          warnings.push((error as Error).message);
        }
      }),
    );
  }
  return {
    start: start.toISOString(),
    end: end.toISOString(),
    stepSeconds: step,
    series,
    queries,
    warnings: [...new Set(warnings)],
  };
}
