import { Entity } from '@backstage/catalog-model';
import {
  BlueGreenTarget,
  Color,
  COLORS,
  KUBERNETES_ANNOTATIONS,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { StrategySnapshot } from '../strategies';
import { ChecksConfig, MetricKey } from './config';
import { PrometheusClient } from './prometheus';
import {
  escapeString,
  renderTemplate,
  sanitizeLabelName,
  selectorMatchers,
  TemplateValues,
} from './promql';

/** Which series belong to the entity, and which color each group label value stands for. */
export type MetricScope = {
  cluster?: string;
  /** The label that tells colors apart in the series. */
  group: string;
  colorOf: (value: string) => Color | undefined;
  values: Omit<TemplateValues, 'window'>;
};

/** One metric for both colors: finite values only (no data and NaN are absent: `unknown`). */
export type MetricReading = {
  query: string;
  values: Partial<Record<Color, number>>;
  error?: string;
};

export type MetricReadings = Partial<Record<MetricKey, MetricReading>>;

/**
 * The entity's series in Prometheus: its namespace and Kubernetes label selector (default
 * `app=<kubernetes-id>`), grouped by the color label — or, for Argo Rollouts, by the pod-template
 * hash of each color's ReplicaSet, since Argo's pods carry no color.
 */
export function metricScope(
  entity: Entity,
  target: BlueGreenTarget,
  snapshot: StrategySnapshot,
  latencyThresholdMs: number,
): MetricScope {
  const selector =
    entity.metadata.annotations?.[KUBERNETES_ANNOTATIONS.labelSelector] ??
    `app=${target.name}`;
  let group = sanitizeLabelName(target.colorLabel);
  let colorOf = (value: string) =>
    COLORS.find(c => c === value) as Color | undefined;
  if (target.strategy === 'argo-rollouts') {
    group = 'rollouts_pod_template_hash';
    const byHash = new Map<string, Color>();
    for (const color of COLORS) {
      const hash = snapshot.colors[color].workload?.podTemplateHash;
      if (hash) byHash.set(hash, color);
    }
    colorOf = value => byHash.get(value);
  }
  return {
    cluster: target.cluster,
    group,
    colorOf,
    values: {
      namespace: escapeString(target.namespace),
      selector: selectorMatchers(target.namespace, selector),
      podSelector: selectorMatchers(target.namespace, selector, 'label_'),
      group,
      latencySeconds: String(latencyThresholdMs / 1000),
    },
  };
}

/** Renders one metric's query for a scope. */
export function metricQuery(
  config: ChecksConfig,
  scope: MetricScope,
  metric: MetricKey,
  window: string,
): string {
  return renderTemplate(config.queries[metric], { ...scope.values, window });
}

/**
 * Reads metrics for both colors at once: one query per metric, all in parallel. A failed query
 * yields an error on that metric only.
 */
export async function readMetrics(
  prometheus: PrometheusClient,
  config: ChecksConfig,
  scope: MetricScope,
  metrics: MetricKey[],
  options: { window: string; time?: Date },
): Promise<MetricReadings> {
  const entries = await Promise.all(
    metrics.map(async metric => {
      const query = metricQuery(config, scope, metric, options.window);
      try {
        const samples = await prometheus.query(
          scope.cluster,
          query,
          options.time,
        );
        const values: Partial<Record<Color, number>> = {};
        let nonFinite = 0;
        for (const sample of samples) {
          const color = scope.colorOf(sample.labels[scope.group] ?? '');
          if (!color) continue;
          if (Number.isFinite(sample.value)) {
            values[color] = (values[color] ?? 0) + sample.value;
          } else {
            nonFinite++;
          }
        }
        // Series whose every value is NaN or ±Inf (0/0 rates, a broken exporter) are no data, not
        // "no series": say so, so that nothing reads them as the service being unscraped.
        const error =
          nonFinite > 0 && Object.keys(values).length === 0
            ? `Prometheus answered only NaN or infinite values (${nonFinite} series)`
            : undefined;
        return [metric, { query, values, ...(error && { error }) }] as const;
      } catch (error) {
        return [
          metric,
          { query, values: {}, error: (error as Error).message },
        ] as const;
      }
    }),
  );
  return Object.fromEntries(entries);
}
