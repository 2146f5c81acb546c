import { CompoundEntityRef } from '@backstage/catalog-model';
import { MetricsResponse } from '@bluegreen-backstage/plugin-blue-green-common';
import { BlueGreenConfig } from '../config';
import { sloOf, thresholdsOf } from '../decisions/checkSettings';
import { criteriaOf } from '../decisions/criteriaSettings';
import { customChecksOf, withCustomCriteria } from '../decisions/customChecks';
import { EntityContext, EntityResolver } from '../entities/EntityResolver';
import { Caller } from '../operations/OperationRecorder';
import { MetricReader, metricScope } from '../prometheus/metrics';
import { grafanaDashboard } from './grafanaDashboard';
import { metricCharts } from './metricCharts';
import { prometheusRule } from './prometheusRule';

/** The entity facts a rule or dashboard is named and labelled with. */
const entityOf = (context: EntityContext) => ({
  name: context.entity.metadata.name,
  namespace: context.target.namespace,
  entityRef: context.entityRef,
});

/** The runbook URL template filled in for the entity (each part URL-encoded). */
function runbookUrlOf(template: string, context: EntityContext): string {
  const values: Record<string, string> = {
    namespace: context.entity.metadata.namespace ?? 'default',
    kind: context.entity.kind.toLocaleLowerCase('en-US'),
    name: context.entity.metadata.name,
  };
  return template.replace(/\{\{\s*(namespace|kind|name)\s*\}\}/g, (_, k) =>
    encodeURIComponent(values[k]),
  );
}

/** An entity's metrics: charts for the tab, and the alerts and dashboard to install elsewhere. */
export class MonitoringService {
  readonly #resolver: EntityResolver;
  readonly #metrics: MetricReader;
  readonly #config: BlueGreenConfig;

  constructor(options: {
    resolver: EntityResolver;
    metrics: MetricReader;
    config: BlueGreenConfig;
  }) {
    this.#resolver = options.resolver;
    this.#metrics = options.metrics;
    this.#config = options.config;
  }

  async #scope(ref: CompoundEntityRef, caller: Caller) {
    const context = await this.#resolver.resolve(ref, caller.credentials);
    const snapshot = await context.strategy.read(context.kube, context.target);
    const scope = metricScope(
      context.entity,
      context.target,
      context.strategy,
      snapshot,
      sloOf(context.entity, this.#config.slo),
    );
    return { context, scope };
  }

  /** `GET …/metrics?range=&step=` */
  async charts(
    ref: CompoundEntityRef,
    range: { seconds: number; stepSeconds: number },
    caller: Caller,
  ): Promise<MetricsResponse> {
    const { context, scope } = await this.#scope(ref, caller);
    // The 5xx ratio above which the post-deploy watch rolls back, drawn on the 5xx chart; read
    // first, so a wrong annotation is refused before Prometheus is asked anything.
    const { rollbackErrorRatio } = thresholdsOf(
      context.entity,
      this.#config.checks.thresholds,
    );
    const charts = await metricCharts(this.#metrics, scope, range);
    return { ...charts, thresholds: { errorRatio: rollbackErrorRatio } };
  }

  /** `GET …/monitoring/prometheus-rules` and `…/monitoring/grafana-dashboard` */
  async monitoring(
    ref: CompoundEntityRef,
    kind: 'prometheus-rules' | 'grafana-dashboard',
    caller: Caller,
  ): Promise<object> {
    const { context, scope } = await this.#scope(ref, caller);
    const entity = entityOf(context);
    if (kind === 'grafana-dashboard') {
      return grafanaDashboard(this.#config.queries, scope, entity);
    }
    const custom = customChecksOf(context.entity, this.#config.checks.custom);
    return prometheusRule(
      this.#config.queries,
      scope,
      entity,
      thresholdsOf(context.entity, this.#config.checks.thresholds),
      withCustomCriteria(
        criteriaOf(context.entity, this.#config.watch.criteria),
        custom,
      ),
      runbookUrlOf(this.#config.alerts.runbookUrl, context),
      custom,
    );
  }
}
