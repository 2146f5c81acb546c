import { ConfigReader } from '@backstage/config';
import { readBlueGreenConfig } from '../config';
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
  const rule = prometheusRule(
    config.queries,
    scope,
    ENTITY,
    config.checks.thresholds,
    config.watch.criteria,
    'https://portal/catalog/default/component/my-app/blue-green',
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
});
