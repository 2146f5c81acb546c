import { ConfigReader } from '@backstage/config';
import { promqlDuration, readBlueGreenConfig } from './config';
import { dependencyAllowed } from './observation/evidence/dependencyProbe';
import {
  escapeString,
  parseError,
  selectorMatchers,
  validateTemplate,
} from './prometheus/promql';

const read = (blueGreen: object) =>
  readBlueGreenConfig(new ConfigReader({ blueGreen }));

describe('readBlueGreenConfig', () => {
  it('accepts the defaults, and every default template parses', () => {
    const config = read({});
    for (const [metric, template] of Object.entries(config.queries)) {
      expect(() => validateTemplate(metric, template)).not.toThrow();
    }
    expect(config.prometheus).toBeUndefined();
    expect(config.watch.durationMs).toBe(300_000);
    expect(config.switch).toEqual({
      verifyTimeoutMs: 30_000,
      stepIntervalMs: 30_000,
      interruptedAfterMs: 600_000,
      sweepIntervalMs: 60_000,
    });
    expect(config.checks.window).toBe('5m');
    expect(config.slo.windowDays).toBe(30);
  });

  it('reads durations in every Backstage form, and PromQL ranges back in their largest unit', () => {
    const config = read({
      switch: { verifyTimeout: '10s', stepInterval: { seconds: 0 } },
      watch: { duration: 'PT2M', rateWindow: '90 seconds' },
      checks: { window: '1h', cacheTtl: '500ms' },
      slo: { window: '7d', latencyThreshold: '0.3s' },
      prometheus: { url: 'http://prometheus:9090', timeout: { seconds: 2 } },
    });
    expect(config.switch.verifyTimeoutMs).toBe(10_000);
    expect(config.switch.stepIntervalMs).toBe(0);
    expect(config.watch.durationMs).toBe(120_000);
    // The range of the rate-based criteria, except the restart loop's own 15m.
    expect(config.watch.criteria['error-rate'].window).toBe('90s');
    expect(config.watch.criteria.cpu.window).toBe('90s');
    expect(config.watch.criteria['restart-loop'].window).toBe('15m');
    expect(config.checks.window).toBe('1h');
    expect(config.checks.cacheTtlMs).toBe(500);
    expect(config.slo).toMatchObject({
      windowDays: 7,
      latencyThresholdMs: 300,
    });
    expect(config.prometheus?.timeoutMs).toBe(2000);
    expect(promqlDuration(90_000)).toBe('90s');
    expect(promqlDuration(86_400_000 * 2)).toBe('2d');
    expect(promqlDuration(1500)).toBe('1500ms');
  });

  it('names a key that is no longer read and the one to use instead', () => {
    expect(() => read({ switch: { verifyTimeoutSeconds: 10 } })).toThrow(
      'blueGreen.switch.verifyTimeoutSeconds is no longer read; set blueGreen.switch.verifyTimeout',
    );
  });

  it.each(['12h', '400d', '0d'])(
    'fails on slo.window %s: PromQL ranges are whole days here',
    window => {
      expect(() => read({ slo: { window } })).toThrow(/blueGreen\.slo\.window/);
    },
  );

  it('fails on an unparseable template, naming the key', () => {
    expect(() =>
      read({
        prometheus: {
          url: 'http://prometheus:9090',
          queries: { errorRatio: 'sum by ({{group}} (rate(x[5m])' },
        },
      }),
    ).toThrow(
      /^blueGreen\.prometheus\.queries\.errorRatio is not valid PromQL/,
    );
  });

  it('fails on an unknown placeholder, naming the key and the placeholder', () => {
    expect(() =>
      read({
        prometheus: { queries: { p99: 'sum(rate(x{app="{{app}}"}[5m]))' } },
      }),
    ).toThrow(
      /blueGreen\.prometheus\.queries\.p99: unknown placeholder \{\{app\}\}/,
    );
  });

  it('fails on an unknown metric, a bad URL, a bad duration or a bad threshold', () => {
    expect(() => read({ prometheus: { queries: { rps: 'up' } } })).toThrow(
      /blueGreen\.prometheus\.queries\.rps is not a known metric/,
    );
    expect(() => read({ prometheus: { url: 'prometheus:9090' } })).toThrow(
      /blueGreen\.prometheus\.url .* must be an http\(s\) URL/,
    );
    expect(() => read({ watch: { rateWindow: 'five minutes' } })).toThrow(
      /blueGreen\.watch\.rateWindow/,
    );
    expect(() => read({ checks: { thresholds: { errorRatio: -1 } } })).toThrow(
      /blueGreen\.checks\.thresholds\.errorRatio/,
    );
  });
});

describe('PromQL escaping', () => {
  it('keeps a hostile label value inside its string literal', () => {
    const hostile = 'x"} or vector(1) or up{a="';
    const matchers = selectorMatchers('default', `app=${'ok'}`);
    expect(matchers).toBe('namespace="default",app="ok"');
    const query = `up{namespace="${escapeString(hostile)}"}`;
    expect(parseError(query)).toBeUndefined();
    // Without escaping the same value changes the query's shape.
    expect(query).toContain('\\"');
  });

  it('rejects a label selector that is not one', () => {
    expect(() => selectorMatchers('default', 'app="x"} or up{')).toThrow(
      /is not valid: unable to parse requirement/,
    );
  });

  it('translates set-based selectors with escaped regexes', () => {
    expect(
      selectorMatchers(
        'ns',
        'tier in (web,api),!canary,app.kubernetes.io/name=a.b',
        'label_',
      ),
    ).toBe(
      'namespace="ns",label_tier=~"web|api",label_canary="",label_app_kubernetes_io_name="a.b"',
    );
  });
});

describe('dependencyHosts', () => {
  it('matches exact hosts, *.domain suffixes and ports', () => {
    const allowed = read({
      checks: {
        dependencyHosts: ['DB.internal', '*.svc.cluster.local', 'redis:6379'],
      },
    }).checks.dependencyHosts;
    expect(dependencyAllowed(allowed, 'db.internal', 5432)).toBe(true);
    expect(dependencyAllowed(allowed, 'api.shop.svc.cluster.local', 80)).toBe(
      true,
    );
    expect(dependencyAllowed(allowed, 'svc.cluster.local', 80)).toBe(false);
    expect(dependencyAllowed(allowed, 'evilsvc.cluster.local', 80)).toBe(false);
    expect(dependencyAllowed(allowed, 'redis', 6379)).toBe(true);
    expect(dependencyAllowed(allowed, 'redis', 6380)).toBe(false);
    expect(dependencyAllowed(allowed, '169.254.169.254', 80)).toBe(false);
  });

  it('allows nothing by default, and refuses a pattern that is not a host', () => {
    expect(read({}).checks.dependencyHosts).toEqual([]);
    expect(() => read({ checks: { dependencyHosts: ['http://db/'] } })).toThrow(
      /dependencyHosts: "http:\/\/db\/" is not a host name/,
    );
  });
});
