import { SloConfig } from '../decisions/thresholds';
import { Entity } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import {
  BlueGreenTarget,
  Color,
  KUBERNETES_ANNOTATIONS,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  StrategySnapshot,
  SwitchStrategy,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { PrometheusClient } from './PrometheusClient';
import {
  escapeString,
  renderTemplate,
  sanitizeLabelName,
  selectorMatchers,
  TemplateValues,
} from './promql';
import { MetricKey, QueryTemplates } from './queries';

/** Which series belong to the entity, and which color each group label value stands for. */
export type MetricScope = {
  cluster?: string;
  /** The Prometheus label that tells colors apart in the series. */
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
 * `app=<kubernetes-id>`), grouped by the label its strategy tells the colors apart with. A label
 * selector that is not one is the entity author's to fix (400).
 */
export function metricScope(
  entity: Entity,
  target: BlueGreenTarget,
  strategy: SwitchStrategy,
  snapshot: StrategySnapshot,
  slo: Pick<SloConfig, 'latencyThresholdMs' | 'latencyBucket'>,
): MetricScope {
  const selector =
    entity.metadata.annotations?.[KUBERNETES_ANNOTATIONS.labelSelector] ??
    `app=${target.name}`;
  const { label, colorOf } = strategy.metricGroup(target, snapshot);
  const group = sanitizeLabelName(label);
  try {
    return {
      cluster: target.cluster,
      group,
      colorOf,
      values: {
        namespace: escapeString(target.namespace),
        selector: selectorMatchers(target.namespace, selector),
        podSelector: selectorMatchers(target.namespace, selector, 'label_'),
        group,
        latencySeconds:
          slo.latencyBucket ?? String(slo.latencyThresholdMs / 1000),
      },
    };
  } catch (error) {
    throw new InputError(
      `annotation ${KUBERNETES_ANNOTATIONS.labelSelector}: ${
        (error as Error).message
      }`,
    );
  }
}

/** Renders one metric's query for a scope. */
export function metricQuery(
  queries: QueryTemplates,
  scope: MetricScope,
  metric: MetricKey,
  window: string,
): string {
  return renderTemplate(queries[metric], { ...scope.values, window });
}

/**
 * Reads metrics of both colors at once: one query per metric, all in parallel. A failed query
 * yields an error on that metric only. Without a Prometheus for the cluster, nothing is read.
 */
export class MetricReader {
  readonly #prometheus: PrometheusClient;
  readonly #queries: QueryTemplates;

  constructor(prometheus: PrometheusClient, queries: QueryTemplates) {
    this.#prometheus = prometheus;
    this.#queries = queries;
  }

  get prometheus(): PrometheusClient {
    return this.#prometheus;
  }

  /** Whether a Prometheus is configured for the scope's cluster. */
  configured(scope: { cluster?: string }): boolean {
    return Boolean(this.#prometheus.urlFor(scope.cluster));
  }

  query(scope: MetricScope, metric: MetricKey, window: string): string {
    return metricQuery(this.#queries, scope, metric, window);
  }

  async read(
    scope: MetricScope,
    metrics: MetricKey[],
    options: { window: string; time?: Date },
  ): Promise<MetricReadings> {
    if (!this.configured(scope)) return {};
    const entries = await Promise.all(
      metrics.map(
        async metric =>
          [
            metric,
            await this.#readOne(
              scope,
              this.query(scope, metric, options.window),
              options.time,
            ),
          ] as const,
      ),
    );
    return Object.fromEntries(entries);
  }

  /**
   * Reads templates that are not built-in metrics (custom checks), each at its own range, in
   * parallel; keyed like `templates`.
   */
  async readTemplates(
    scope: MetricScope,
    templates: Array<{ id: string; query: string; window: string }>,
  ): Promise<Record<string, MetricReading>> {
    if (!this.configured(scope) || templates.length === 0) return {};
    const entries = await Promise.all(
      templates.map(
        async t =>
          [
            t.id,
            await this.#readOne(
              scope,
              renderTemplate(t.query, { ...scope.values, window: t.window }),
            ),
          ] as const,
      ),
    );
    return Object.fromEntries(entries);
  }

  async #readOne(
    scope: MetricScope,
    query: string,
    time?: Date,
  ): Promise<MetricReading> {
    try {
      const samples = await this.#prometheus.query(scope.cluster, query, time);
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
      // Series whose every value is NaN or ±Inf (0/0 rates, a broken exporter) are no data,
      // not "no series": say so, so that nothing reads them as the service being unscraped.
      const error =
        nonFinite > 0 && Object.keys(values).length === 0
          ? `Prometheus answered only NaN or infinite values (${nonFinite} series)`
          : undefined;
      return { query, values, ...(error && { error }) };
    } catch (error) {
      return { query, values: {}, error: (error as Error).message };
    }
  }
}
