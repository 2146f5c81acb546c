import { metricQuery, MetricScope } from '../prometheus/metrics';
import { QueryTemplates } from '../prometheus/queries';
import { slug } from './slug';

/** A Grafana dashboard of one entity: traffic, 5xx and P99 by color, and the switches as annotations. */
export function grafanaDashboard(
  queries: QueryTemplates,
  scope: MetricScope,
  entity: { name: string; entityRef: string },
) {
  const q = (metric: Parameters<typeof metricQuery>[2]) =>
    metricQuery(queries, scope, metric, '$__rate_interval');
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
