import { ConfigReader } from '@backstage/config';
import { readBlueGreenConfig } from '../config';
import { withCustomCriteria } from '../decisions/customChecks';
import { MetricScope } from '../prometheus/metrics';
import { prometheusRule } from './prometheusRule';

const scope: MetricScope = {
  group: 'color',
  colorOf: v => (v === 'blue' || v === 'green' ? v : undefined),
  values: {
    namespace: '"default"',
    selector: 'namespace="default",app="my-app"',
    podSelector: 'namespace="default",label_app="my-app"',
    group: 'color',
    latencySeconds: '0.25',
  },
};

const ENTITY = {
  name: 'my-app',
  namespace: 'default',
  entityRef: 'component:default/my-app',
};

function rulesOf(blueGreen: object) {
  const config = readBlueGreenConfig(
    new ConfigReader({ app: { baseUrl: 'https://portal' }, blueGreen }),
  );
  const custom = Object.values(config.checks.custom);
  const rule = prometheusRule(
    config.queries,
    scope,
    ENTITY,
    config.checks.thresholds,
    withCustomCriteria(config.watch.criteria, custom),
    'https://portal/catalog/default/component/my-app/blue-green',
    custom,
  );
  return Object.fromEntries(
    (rule.spec.groups[0].rules as any[]).map(r => [r.alert, r]),
  );
}

describe('prometheusRule', () => {
  it('has the documented defaults: 5xx > 1 % for 5 min, restart loop and OOMKill roll back, P99 and CPU investigate', () => {
    const rules = rulesOf({});
    expect(rules.BlueGreenHighErrorRate).toMatchObject({
      for: '5m',
      labels: { severity: 'critical', action: 'rollback' },
      annotations: {
        runbook_url:
          'https://portal/catalog/default/component/my-app/blue-green',
      },
    });
    expect(rules.BlueGreenHighErrorRate.expr).toMatch(/\[1m\].*> 0\.01$/);
    expect(rules.BlueGreenRestartLoop.expr).toContain('[15m]');
    expect(rules.BlueGreenRestartLoop.expr).toMatch(/> 3$/);
    expect(rules.BlueGreenRestartLoop.labels.action).toBe('rollback');
    expect(rules.BlueGreenRestartLoop.for).toBeUndefined();
    expect(rules.BlueGreenOOMKilled.labels).toMatchObject({
      severity: 'critical',
      action: 'rollback',
    });
    for (const name of ['BlueGreenHighLatency', 'BlueGreenHighCpu']) {
      expect(rules[name]).toMatchObject({
        for: '5m',
        labels: { severity: 'warning', action: 'investigate' },
      });
    }
    expect(rules.BlueGreenHighCpu.expr).toMatch(/> 0\.9$/);
    // DeploymentRollback follows the entity's roll-back alerts, never itself.
    expect(rules.DeploymentRollback.expr).toBe(
      'count by (color) (ALERTS{alertstate="firing",action="rollback",alertname!="DeploymentRollback",entity="component:default/my-app"}) > 0',
    );
    expect(rules.DeploymentRollback.labels.action).toBe('rollback');
  });

  it('follows the configured criteria: windows, durations, actions, and none for a criterion turned off', () => {
    const rules = rulesOf({
      watch: {
        criteria: {
          'error-rate': { window: '2m', for: '30s' },
          cpu: { action: 'rollback' },
          'latency-p99': { action: 'off' },
        },
      },
    });
    expect(rules.BlueGreenHighErrorRate.for).toBe('30s');
    expect(rules.BlueGreenHighErrorRate.expr).toContain('[2m]');
    expect(rules.BlueGreenHighCpu.labels).toMatchObject({
      severity: 'critical',
      action: 'rollback',
    });
    expect(rules.BlueGreenHighLatency).toBeUndefined();
  });

  it('has an alert for each custom check that is a rollback criterion, with the same labels', () => {
    const rules = rulesOf({
      checks: {
        custom: {
          'payment-success': {
            title: 'Payment success rate',
            query:
              'sum by ({{group}}) (rate(payments_ok_total{ {{selector}} }[{{window}}])) / sum by ({{group}}) (rate(payments_total{ {{selector}} }[{{window}}]))',
            min: 0.99,
            phases: ['post', 'rollback'],
            window: '2m',
            for: '3m',
          },
          'queue-depth': {
            query: 'max by ({{group}}) (queue_depth{ {{selector}} })',
            min: 1,
            max: 500,
            phases: ['rollback'],
            action: 'investigate',
            for: '0s',
          },
          'pre-only': {
            query: 'sum by ({{group}}) (up{ {{selector}} })',
            min: 1,
            phases: ['pre', 'post'],
          },
        },
      },
    });
    expect(rules.BlueGreenCheckPaymentSuccess).toMatchObject({
      for: '3m',
      labels: {
        entity: 'component:default/my-app',
        criterion: 'payment-success',
        severity: 'critical',
        action: 'rollback',
      },
      annotations: {
        summary:
          'Payment success rate of {{ $labels.color }} outside >= 0.99: roll back',
        runbook_url:
          'https://portal/catalog/default/component/my-app/blue-green',
      },
    });
    // The check's template, filled as the watch fills it, against its bound.
    expect(rules.BlueGreenCheckPaymentSuccess.expr).toBe(
      '(sum by (color) (rate(payments_ok_total{ namespace="default",app="my-app" }[2m])) / sum by (color) (rate(payments_total{ namespace="default",app="my-app" }[2m]))) < 0.99',
    );
    expect(rules.BlueGreenCheckQueueDepth).toMatchObject({
      labels: { severity: 'warning', action: 'investigate' },
    });
    expect(rules.BlueGreenCheckQueueDepth.for).toBeUndefined();
    expect(rules.BlueGreenCheckQueueDepth.expr).toBe(
      '(max by (color) (queue_depth{ namespace="default",app="my-app" })) < 1 or (max by (color) (queue_depth{ namespace="default",app="my-app" })) > 500',
    );
    // Not a rollback criterion: no alert.
    expect(rules.BlueGreenCheckPreOnly).toBeUndefined();
    // A custom check's roll-back alert is one DeploymentRollback follows (by its action label).
    expect(rules.DeploymentRollback.expr).toContain('action="rollback"');
  });
});
