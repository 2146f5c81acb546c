import { ConfigReader } from '@backstage/config';
import { dependencyAllowed, readChecksConfig } from './config';
import {
  escapeString,
  parseError,
  selectorMatchers,
  validateTemplate,
} from './promql';

const read = (blueGreen: object) =>
  readChecksConfig(new ConfigReader({ blueGreen }));

describe('readChecksConfig', () => {
  it('accepts the defaults, and every default template parses', () => {
    const config = read({});
    for (const [metric, template] of Object.entries(config.queries)) {
      expect(() => validateTemplate(metric, template)).not.toThrow();
    }
    expect(config.prometheus).toBeUndefined();
    expect(config.watch.windowSeconds).toBe(300);
  });

  it.each([0.5, 0, 400, 1e21])(
    'fails on slo.windowDays %s: PromQL ranges are whole days here',
    windowDays => {
      expect(() => read({ slo: { windowDays } })).toThrow(
        `blueGreen.slo.windowDays is ${windowDays}; it must be a whole number of days from 1 to 365`,
      );
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
    expect(() => read({ watch: { rateWindow: '5 minutes' } })).toThrow(
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
      /is not a Kubernetes label requirement/,
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
    }).dependencyHosts;
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
    expect(read({}).dependencyHosts).toEqual([]);
    expect(() => read({ checks: { dependencyHosts: ['http://db/'] } })).toThrow(
      /dependencyHosts: "http:\/\/db\/" is not a host name/,
    );
  });
});
