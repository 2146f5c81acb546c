import { ChecksConfig, Thresholds } from './config';
import { metricQuery, MetricScope } from './metrics';

const slug = (value: string) =>
  value.toLocaleLowerCase('en-US').replace(/[^a-z0-9-]+/g, '-');

/**
 * A PrometheusRule (prometheus-operator) with the seed 000 §2.2 alerts for one entity, from the same
 * templates and thresholds the checks use.
 */
export function prometheusRule(
  config: ChecksConfig,
  scope: MetricScope,
  entity: { name: string; namespace: string; entityRef: string },
  thresholds: Thresholds,
) {
  const q = (metric: Parameters<typeof metricQuery>[2], window: string) =>
    metricQuery(config, scope, metric, window);
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

/** A Grafana dashboard (seed 000 §2.3): traffic, 5xx and P99 by color, and deploy annotations. */
export function grafanaDashboard(
  config: ChecksConfig,
  scope: MetricScope,
  entity: { name: string; entityRef: string },
) {
  const q = (metric: Parameters<typeof metricQuery>[2]) =>
    metricQuery(config, scope, metric, '$__rate_interval');
  const panel = (
    id: number,
    title: string,
    expr: string,
    unit: string,
    y: number,
  ) => ({
    id,
    type: 'timeseries',
    title,
    datasource: { type: 'prometheus', uid: '${datasource}' },
    gridPos: { h: 8, w: 24, x: 0, y },
    fieldConfig: { defaults: { unit }, overrides: [] },
    targets: [{ refId: 'A', expr, legendFormat: `{{${scope.group}}}` }],
  });
  return {
    uid: `bg-${slug(entity.name)}`.slice(0, 40),
    title: `${entity.name} — Blue/Green`,
    tags: ['blue-green', entity.entityRef],
    timezone: 'browser',
    schemaVersion: 39,
    time: { from: 'now-1h', to: 'now' },
    templating: {
      list: [
        {
          name: 'datasource',
          type: 'datasource',
          query: 'prometheus',
          label: 'Prometheus',
        },
      ],
    },
    annotations: {
      list: [
        {
          name: 'Blue/Green switches',
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          iconColor: 'blue',
          target: {
            type: 'tags',
            tags: ['blue-green', entity.entityRef],
            matchAny: false,
          },
        },
      ],
    },
    panels: [
      panel(1, 'Requests per second by color', q('requestRate'), 'reqps', 0),
      panel(2, '5xx ratio by color', q('errorRatio'), 'percentunit', 8),
      panel(3, 'P99 latency by color', q('p99'), 's', 16),
    ],
  };
}

/** Posts a deploy marker to Grafana (seed 000 §2.4); never fails the switch. */
export async function annotateGrafana(
  grafana: NonNullable<ChecksConfig['grafana']>,
  marker: { entityRef: string; text: string; time: Date },
): Promise<void> {
  const response = await fetch(`${grafana.url}/api/annotations`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(grafana.token && { Authorization: `Bearer ${grafana.token}` }),
    },
    body: JSON.stringify({
      time: marker.time.getTime(),
      tags: ['blue-green', marker.entityRef],
      text: marker.text,
      ...(grafana.dashboardUid && { dashboardUID: grafana.dashboardUid }),
    }),
    signal: AbortSignal.timeout(5000),
  });
  if (!response.ok) {
    throw new Error(`Grafana answered ${response.status}`);
  }
}
