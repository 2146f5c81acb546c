import {
  CriteriaSettings,
  CriterionAction,
  CriterionSettings,
} from '../decisions/criteriaSettings';
import { CustomCheck, describeRange } from '../decisions/customChecks';
import { Thresholds } from '../decisions/thresholds';
import { metricQuery, MetricScope } from '../prometheus/metrics';
import { escapeString, renderTemplate } from '../prometheus/promql';
import { QueryTemplates } from '../prometheus/queries';
import { slug } from './slug';

/** A duration in ms as a Prometheus `for:` (`5m`, `30s`, `0s`). */
const forOf = (ms: number) =>
  ms % 60_000 === 0 && ms > 0 ? `${ms / 60_000}m` : `${Math.round(ms / 1000)}s`;

const SEVERITY: Record<Exclude<CriterionAction, 'off'>, string> = {
  rollback: 'critical',
  investigate: 'warning',
};

/** A custom check's alert name: `payment-success` → `BlueGreenCheckPaymentSuccess`. */
export const customAlertName = (id: string) =>
  `BlueGreenCheck${id
    .split('-')
    .map(part => part.charAt(0).toLocaleUpperCase('en-US') + part.slice(1))
    .join('')}`;

/**
 * A PrometheusRule (prometheus-operator) with the blue/green alerts of one entity, from the same
 * templates, thresholds and rollback criteria (action, range, how long) the post-promote watch
 * evaluates: 5xx ratio, restart loop and OOMKills (roll back), P99 and CPU (investigate), and
 * the entity's custom checks that are rollback criteria (each outside its min..max), and
 * DeploymentRollback, which fires while any of the entity's roll-back alerts fires. Every alert
 * carries severity and action labels and a runbook_url; criteria set to `off` have no alert. The
 * log signal has none: its counts come from pod logs or Loki, not from Prometheus.
 */
export function prometheusRule(
  queries: QueryTemplates,
  scope: MetricScope,
  entity: { name: string; namespace: string; entityRef: string },
  thresholds: Thresholds,
  criteria: CriteriaSettings,
  runbookUrl: string,
  custom: CustomCheck[] = [],
) {
  const q = (metric: Parameters<typeof metricQuery>[2], window: string) =>
    metricQuery(queries, scope, metric, window);
  const color = `{{ $labels.${scope.group} }}`;
  const rules: object[] = [];
  const alert = (
    name: string,
    id: string,
    expr: (s: CriterionSettings) => string,
    summary: (s: CriterionSettings) => string,
  ) => {
    const s = criteria[id];
    if (!s || s.action === 'off') return;
    rules.push({
      alert: name,
      expr: expr(s),
      ...(s.forMs > 0 && { for: forOf(s.forMs) }),
      labels: {
        entity: entity.entityRef,
        criterion: id,
        severity: SEVERITY[s.action],
        action: s.action,
      },
      annotations: {
        summary: `${summary(s)}: ${
          s.action === 'rollback' ? 'roll back' : 'investigate'
        }`,
        runbook_url: runbookUrl,
      },
    });
  };

  alert(
    'BlueGreenHighErrorRate',
    'error-rate',
    s => `${q('errorRatio', s.window)} > ${thresholds.rollbackErrorRatio}`,
    () =>
      `5xx ratio of ${color} above ${thresholds.rollbackErrorRatio * 100} %`,
  );
  alert(
    'BlueGreenRestartLoop',
    'restart-loop',
    s => `${q('restarts', s.window)} > ${thresholds.restarts}`,
    s =>
      `${color} pods restarted more than ${thresholds.restarts} times in ${s.window}`,
  );
  alert(
    'BlueGreenOOMKilled',
    'oom-kill',
    () => `${q('oomKills', '5m')} > 0`,
    () => `${color} containers were OOMKilled`,
  );
  alert(
    'BlueGreenHighLatency',
    'latency-p99',
    s =>
      `${q('p99', s.window)} > ${thresholds.investigateP99Factor} * ${q(
        'p99',
        '1h',
      )}`,
    () =>
      `P99 of ${color} above ${thresholds.investigateP99Factor}× its hourly P99`,
  );
  alert(
    'BlueGreenHighCpu',
    'cpu',
    s => `${q('cpuRatio', s.window)} > ${thresholds.investigateCpuRatio}`,
    () =>
      `CPU of ${color} above ${
        thresholds.investigateCpuRatio * 100
      } % of limits`,
  );
  for (const check of custom) {
    if (!check.phases.includes('rollback')) continue;
    alert(
      customAlertName(check.id),
      check.id,
      s => {
        const value = `(${renderTemplate(check.query, {
          ...scope.values,
          window: s.window,
        })})`;
        return [
          check.min !== undefined && `${value} < ${check.min}`,
          check.max !== undefined && `${value} > ${check.max}`,
        ]
          .filter(Boolean)
          .join(' or ');
      },
      () => `${check.title} of ${color} outside ${describeRange(check)}`,
    );
  }
  // The health endpoint is probed by the plugin, not scraped: it has no alert of its own here.
  rules.push({
    alert: 'DeploymentRollback',
    expr: `count by (${
      scope.group
    }) (ALERTS{alertstate="firing",action="rollback",alertname!="DeploymentRollback",entity="${escapeString(
      entity.entityRef,
    )}"}) > 0`,
    labels: {
      entity: entity.entityRef,
      severity: 'critical',
      action: 'rollback',
    },
    annotations: {
      summary: `${entity.name}: a rollback criterion fires on ${color}; roll back to the other color`,
      runbook_url: runbookUrl,
    },
  });

  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: `${slug(entity.name)}-blue-green`,
      namespace: entity.namespace,
      labels: { 'app.kubernetes.io/managed-by': 'backstage-blue-green' },
    },
    spec: {
      groups: [{ name: `${slug(entity.name)}.blue-green`, rules }],
    },
  };
}
