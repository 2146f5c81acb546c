import { Thresholds } from '../decisions/thresholds';
import { metricQuery, MetricScope } from '../prometheus/metrics';
import { QueryTemplates } from '../prometheus/queries';
import { slug } from './slug';

/**
 * A PrometheusRule (prometheus-operator) with the blue/green alerts of one entity (5xx, latency,
 * CPU, OOMKills, restart loops), from the same templates and thresholds the checks use.
 */
export function prometheusRule(
  queries: QueryTemplates,
  scope: MetricScope,
  entity: { name: string; namespace: string; entityRef: string },
  thresholds: Thresholds,
) {
  const q = (metric: Parameters<typeof metricQuery>[2], window: string) =>
    metricQuery(queries, scope, metric, window);
  const labels = { entity: entity.entityRef };
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: `${slug(entity.name)}-blue-green`,
      namespace: entity.namespace,
      labels: { 'app.kubernetes.io/managed-by': 'backstage-blue-green' },
    },
    spec: {
      groups: [
        {
          name: `${slug(entity.name)}.blue-green`,
          rules: [
            {
              alert: 'BlueGreenHighErrorRate',
              expr: `${q('errorRatio', '5m')} > ${
                thresholds.rollbackErrorRatio
              }`,
              for: '5m',
              labels: { ...labels, severity: 'critical' },
              annotations: {
                summary: `5xx ratio of {{ $labels.${scope.group} }} above ${
                  thresholds.rollbackErrorRatio * 100
                } %: roll back`,
              },
            },
            {
              alert: 'BlueGreenHighLatency',
              expr: `${q('p99', '5m')} > ${
                thresholds.investigateP99Factor
              } * ${q('p99', '1h')}`,
              for: '5m',
              labels: { ...labels, severity: 'warning' },
              annotations: {
                summary: `P99 of {{ $labels.${scope.group} }} above ${thresholds.investigateP99Factor}× its hourly P99: investigate`,
              },
            },
            {
              alert: 'BlueGreenHighCpu',
              expr: `${q('cpuRatio', '5m')} > ${
                thresholds.investigateCpuRatio
              }`,
              for: '10m',
              labels: { ...labels, severity: 'warning' },
              annotations: {
                summary: `CPU of {{ $labels.${scope.group} }} above ${
                  thresholds.investigateCpuRatio * 100
                } % of limits: scale or roll back`,
              },
            },
            {
              alert: 'BlueGreenOOMKilled',
              expr: `${q('oomKills', '5m')} > 0`,
              labels: { ...labels, severity: 'critical' },
              annotations: {
                summary: `{{ $labels.${scope.group} }} containers were OOMKilled: roll back`,
              },
            },
            {
              alert: 'BlueGreenRestartLoop',
              expr: `${q('restarts', '15m')} >= ${thresholds.restarts}`,
              labels: { ...labels, severity: 'warning' },
              annotations: {
                summary: `{{ $labels.${scope.group} }} pods restart in a loop`,
              },
            },
          ],
        },
      ],
    },
  };
}
