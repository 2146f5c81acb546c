import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  expectStatus,
  startWorld,
  users,
  waitFor,
  World,
} from '../../__testUtils__/harness';
import {
  bindObjects,
  inspectPromQL,
  Matcher,
  startRecordingPrometheus,
  writeAnnotatedComponents,
} from '../../__testUtils__/security';

/**
 * Annotation values crafted to inject PromQL, Kubernetes label selectors or Kubernetes API paths
 * (issue 8). Each crafted entity points at the seeds' my-app workloads (bound to it while it is
 * exercised). Every Prometheus query the
 * plugin sends is captured by a recording stand-in and read with Prometheus' grammar; every request
 * the cluster received is in the sandbox's log. A crafted value is either refused with a 400 that
 * names its annotation — before Prometheus is asked and with no cluster write — or it reaches a
 * query only as a quoted label value, leaving the query's shape exactly that of my-app's.
 */

jest.setTimeout(120_000);

const LABEL_SELECTOR = 'backstage.io/kubernetes-label-selector';
const BASE_ANNOTATIONS = {
  'backstage.io/kubernetes-id': 'my-app',
  'backstage.io/kubernetes-namespace': 'default',
  'blue-green.backstage.io/strategy': 'service-selector',
};

type Crafted = {
  name: string;
  annotation: string;
  value: string;
  /**
   * `target`: refused while the annotations are read, before the cluster is asked anything;
   * `checks`: refused where the value would enter a query (after the cluster was read);
   * `thresholds`: refused where thresholds are judged (checklists, alert rules).
   */
  refused: 'target' | 'checks' | 'thresholds';
};

const CRAFTED: Crafted[] = [
  // PromQL through the label selector: a quote, a brace, a matcher, a regex, escapes.
  {
    name: 'sel-quote',
    annotation: LABEL_SELECTOR,
    value: 'app=my-app"} or vector(1) or up{app="',
    refused: 'checks',
  },
  {
    name: 'sel-brace',
    annotation: LABEL_SELECTOR,
    value: 'app=my-app},{__name__=~".+"',
    refused: 'checks',
  },
  {
    name: 'sel-key',
    annotation: LABEL_SELECTOR,
    value: 'app"=~".+",x=y',
    refused: 'checks',
  },
  {
    name: 'sel-regex',
    annotation: LABEL_SELECTOR,
    value: 'app in (my-app|.*)',
    refused: 'checks',
  },
  {
    name: 'sel-backslash',
    annotation: LABEL_SELECTOR,
    value: 'app=my-app\\',
    refused: 'checks',
  },
  {
    name: 'sel-paren',
    annotation: LABEL_SELECTOR,
    value: 'app in (my-app)) or vector(1',
    refused: 'checks',
  },
  {
    name: 'sel-line-separator',
    annotation: LABEL_SELECTOR,
    value: 'app=my-app\u2028} or vector(1)',
    refused: 'checks',
  },
  // PromQL through the other values that enter queries.
  {
    name: 'namespace',
    annotation: 'backstage.io/kubernetes-namespace',
    value: 'default"} or vector(1) or up{a="',
    refused: 'target',
  },
  {
    name: 'kubernetes-id',
    annotation: 'backstage.io/kubernetes-id',
    value: 'my-app"}',
    refused: 'target',
  },
  {
    name: 'color-label',
    annotation: 'blue-green.backstage.io/color-label',
    value: 'color) or vector(1) or sum by (x',
    refused: 'target',
  },
  {
    name: 'thresholds',
    annotation: 'blue-green.backstage.io/thresholds',
    value: 'errorRatio=0.01) or vector(1',
    refused: 'thresholds',
  },
  {
    name: 'slo',
    annotation: 'blue-green.backstage.io/slo',
    value: 'latencyMs=200"} or vector(1)',
    refused: 'checks',
  },
  // Numbers that enter PromQL as durations: an integer number of days, or the query breaks.
  {
    name: 'slo-window-fraction',
    annotation: 'blue-green.backstage.io/slo',
    value: 'windowDays=0.5',
    refused: 'checks',
  },
  {
    name: 'slo-window-huge',
    annotation: 'blue-green.backstage.io/slo',
    value: 'windowDays=1e21',
    refused: 'checks',
  },
  // Kubernetes label selectors and API paths built from annotations.
  {
    name: 'color-label-selector',
    annotation: 'blue-green.backstage.io/color-label',
    value: 'color,app!=my-app',
    refused: 'target',
  },
  {
    name: 'service-path',
    annotation: 'blue-green.backstage.io/service',
    value: 'my-app/../../../secrets',
    refused: 'target',
  },
  {
    name: 'deployment-selector',
    annotation: 'blue-green.backstage.io/green-deployment',
    value: 'my-app-green?labelSelector=x',
    refused: 'target',
  },
  // The health path is appended to the pods proxy path of the API server.
  {
    name: 'health-dotdot',
    annotation: 'blue-green.backstage.io/health-path',
    value: '/../../../../../api/v1/namespaces/kube-system/secrets',
    refused: 'target',
  },
  {
    name: 'health-encoded',
    annotation: 'blue-green.backstage.io/health-path',
    value:
      '/%2e%2e/%2E%2e/.%2e/%2e./%2e%2e/api/v1/namespaces/kube-system/secrets',
    refused: 'target',
  },
];

/** Cluster paths an entity in `default` may touch: its namespace's objects, and their proxies. */
const IN_NAMESPACE =
  /^\/(api\/v1|apis\/[a-z0-9.-]+\/[a-z0-9]+)\/namespaces\/default\/[a-z.]+(\/[^/]+(\/(status|scale|proxy(\/.*)?))?)?$/;

/**
 * Which endpoints refuse a crafted value: all of them when it is refused with the annotations;
 * otherwise those that use it — the label selector and SLO for every query (status and promote
 * evaluate the checklist), the thresholds for the checklists and alert rules.
 */
const REFUSED_BY: Record<Crafted['refused'], string[]> = {
  target: [
    'GET /',
    'GET /checklist?phase=pre',
    'GET /checklist?phase=post',
    'GET /metrics?range=5m&step=15s',
    'GET /monitoring/prometheus-rules',
    'GET /monitoring/grafana-dashboard',
    'GET /diagnostics',
    'POST /promote',
  ],
  checks: [
    'GET /',
    'GET /checklist?phase=pre',
    'GET /checklist?phase=post',
    'GET /metrics?range=5m&step=15s',
    'GET /monitoring/prometheus-rules',
    'GET /monitoring/grafana-dashboard',
    'POST /promote',
  ],
  thresholds: [
    'GET /',
    'GET /checklist?phase=pre',
    'GET /checklist?phase=post',
    // The charts draw the rollback threshold.
    'GET /metrics?range=5m&step=15s',
    'GET /monitoring/prometheus-rules',
    'POST /promote',
  ],
};

/** A selector with every operator, and values with regex metacharacters that are valid labels. */
const SAFE_SELECTOR = 'app in (my-app, a.b), tier notin (x.y), !canary, env';

const entityName = (c: { name: string }) => `inj-${c.name}`;
const pathOf = (name: string) => `/entities/default/component/${name}`;

/** The endpoints that read an entity's annotations, and the ones that build PromQL from them. */
const ENDPOINTS = [
  { method: 'get', path: '' },
  { method: 'get', path: '/checklist?phase=pre' },
  { method: 'get', path: '/checklist?phase=post' },
  { method: 'get', path: '/metrics?range=5m&step=15s' },
  { method: 'get', path: '/monitoring/prometheus-rules' },
  { method: 'get', path: '/monitoring/grafana-dashboard' },
  { method: 'get', path: '/diagnostics' },
  { method: 'post', path: '/promote' },
] as const;

/** The PromQL a response carries (monitoring documents and metrics list their queries). */
function exprsOf(body: any): string[] {
  const found: string[] = [];
  const walk = (value: unknown, key?: string) => {
    if (typeof value === 'string') {
      if (key === 'expr' || key === 'query') found.push(value);
    } else if (Array.isArray(value)) {
      value.forEach(v => walk(v));
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, k);
    }
  };
  walk(body);
  if (body?.queries) found.push(...Object.values<string>(body.queries));
  // Grafana's variable is not PromQL; it stands for a range like any other.
  return found.map(q => q.replace(/\$__rate_interval/g, '5m'));
}

const key = (m: Matcher) => `${m.name}${m.op}${JSON.stringify(m.value)}`;

describe('annotations crafted to inject PromQL, label selectors and API paths', () => {
  let world: World;
  let prometheus: Awaited<ReturnType<typeof startRecordingPrometheus>>;

  /** Every endpoint for one entity: status, queries sent to Prometheus, exprs returned, cluster requests. */
  const exercise = async (name: string) => {
    // my-app's objects, lent to the crafted entity: the plugin changes only objects bound to it.
    await bindObjects(world, `component:default/${name}`);
    const results = [];
    for (const endpoint of ENDPOINTS) {
      const mark = world.sandbox.requests.mark();
      const sent = prometheus.queries.length;
      const res =
        endpoint.method === 'get'
          ? await world.as(users.alice).get(`${pathOf(name)}${endpoint.path}`)
          : await world.as(users.alice).post(`${pathOf(name)}${endpoint.path}`);
      results.push({
        endpoint: `${endpoint.method.toUpperCase()} ${endpoint.path || '/'}`,
        res,
        queries: prometheus.queries.slice(sent),
        exprs: res.status === 200 ? exprsOf(res.body) : [],
        cluster: world.sandbox.requests.list(mark),
      });
    }
    await bindObjects(world, 'component:default/my-app');
    return results;
  };

  let baseline: Awaited<ReturnType<typeof exercise>>;
  let baselineSkeletons: Set<string>;
  let baselineMatchers: Set<string>;

  beforeAll(async () => {
    prometheus = await startRecordingPrometheus();
    const file = join(
      mkdtempSync(join(tmpdir(), 'injection-')),
      'crafted.yaml',
    );
    writeAnnotatedComponents(file, [
      ...CRAFTED.map(c => ({
        name: entityName(c),
        annotations: { ...BASE_ANNOTATIONS, [c.annotation]: c.value },
      })),
      {
        name: 'inj-safe-selector',
        annotations: { ...BASE_ANNOTATIONS, [LABEL_SELECTOR]: SAFE_SELECTOR },
      },
    ]);
    world = await startWorld({
      database: 'sqlite',
      catalogFiles: [file],
      blueGreen: {
        prometheus: { url: prometheus.url },
        // Status and promote evaluate the checklist too: every path that builds PromQL is taken.
        checks: { requiredForPromote: true, cacheTtl: '0s', window: '30s' },
      },
    });
    await waitFor('the crafted entities in the catalog', async () => {
      for (const name of [...CRAFTED.map(entityName), 'inj-safe-selector']) {
        const res = await world
          .as(users.alice)
          .raw(
            'get',
            `/api/catalog/entities/by-name/component/default/${name}`,
          );
        if (res.status !== 200) return false;
      }
      return true;
    });
    await waitFor('my-app ready', async () => {
      const res = await world.as(users.alice).get(pathOf('my-app'));
      return res.body?.colors?.green?.replicas?.ready === 3;
    });
    baseline = await exercise('my-app');
    const all = baseline.flatMap(r => [...r.queries, ...r.exprs]);
    baselineSkeletons = new Set(all.map(q => inspectPromQL(q).skeleton));
    baselineMatchers = new Set(
      all.flatMap(q => inspectPromQL(q).matchers.map(key)),
    );
  });

  afterAll(async () => {
    await world?.stop();
    await prometheus?.stop();
  });

  it("my-app's own queries parse, and select its namespace and app", () => {
    for (const r of baseline) {
      expectStatus(r.res, r.endpoint === 'POST /promote' ? 409 : 200);
    }
    const queries = baseline.flatMap(r => r.queries);
    expect(queries.length).toBeGreaterThan(10);
    for (const q of [...queries, ...baseline.flatMap(r => r.exprs)]) {
      expect([q, inspectPromQL(q).errors]).toEqual([q, []]);
    }
    expect([...baselineMatchers]).toEqual(
      expect.arrayContaining([
        'namespace="default"',
        'app="my-app"',
        'label_app="my-app"',
      ]),
    );
  });

  it.each(CRAFTED.map(c => [`${c.annotation}: ${c.value}`, c] as const))(
    'refuses %s with a 400 naming the annotation',
    async (_title, crafted) => {
      const results = await exercise(entityName(crafted));
      const problems: string[] = [];
      const expectedRefusals = REFUSED_BY[crafted.refused];
      for (const r of results) {
        const refuse = expectedRefusals.includes(r.endpoint);
        const where = `${r.endpoint}: ${r.res.status} ${JSON.stringify(
          r.res.body,
        ).slice(0, 200)}`;
        if (r.res.status !== (refuse ? 400 : 200)) {
          problems.push(`${where}: expected ${refuse ? 400 : 200}`);
        }
        if (
          refuse &&
          !r.res.body?.error?.message?.includes(
            `annotation ${crafted.annotation}`,
          )
        ) {
          problems.push(`${where}: does not name the annotation`);
        }
        if (refuse && r.queries.length > 0) {
          problems.push(`${where}: asked Prometheus ${r.queries.join(' | ')}`);
        }
        if (crafted.refused === 'target' && r.cluster.length > 0) {
          problems.push(`${where}: asked the cluster before refusing`);
        }
        // The cluster is read in the entity's namespace only, and never written.
        for (const c of r.cluster) {
          if (c.method !== 'GET') problems.push(`${where}: wrote ${c.path}`);
          if (!IN_NAMESPACE.test(c.path)) {
            problems.push(`${where}: read ${c.path}`);
          }
        }
        // What was asked anyway never carries the value, and has my-app's shape and matchers.
        for (const q of [...r.queries, ...r.exprs]) {
          const { errors, matchers, skeleton } = inspectPromQL(q);
          if (q.includes(crafted.value)) problems.push(`${where}: ${q}`);
          if (errors.length > 0) problems.push(`${q}: ${errors.join('; ')}`);
          if (!baselineSkeletons.has(skeleton)) {
            problems.push(`${q}: not the shape of my-app's queries`);
          }
          for (const m of matchers) {
            if (!baselineMatchers.has(key(m))) {
              problems.push(`${q}: matcher ${key(m)}`);
            }
          }
        }
      }
      expect(problems).toEqual([]);
    },
  );

  it('passes a valid selector with regex metacharacters only as quoted, escaped label values', async () => {
    const results = await exercise('inj-safe-selector');
    const queries = results.flatMap(r => [...r.queries, ...r.exprs]);
    for (const r of results) {
      expectStatus(r.res, r.endpoint === 'POST /promote' ? 409 : 200);
    }
    expect(queries.length).toBeGreaterThan(10);
    // What the selector becomes, in both label forms (series labels and kube-state-metrics').
    const selectorMatchers = (prefix: string): Matcher[] => [
      { name: `${prefix}app`, op: '=~', value: 'my-app|a\\.b' },
      { name: `${prefix}tier`, op: '!~', value: 'x\\.y' },
      { name: `${prefix}canary`, op: '=', value: '' },
      { name: `${prefix}env`, op: '!=', value: '' },
    ];
    const expected = new Set([
      ...[...baselineMatchers].filter(m => !/^(label_)?app=/.test(m)),
      ...selectorMatchers('').map(key),
      ...selectorMatchers('label_').map(key),
      // DeploymentRollback follows the entity's own alerts, by its entity label.
      key({
        name: 'entity',
        op: '=',
        value: 'component:default/inj-safe-selector',
      }),
    ]);
    const seen = new Set<string>();
    for (const q of queries) {
      const { errors, matchers, skeleton } = inspectPromQL(q);
      expect([q, errors]).toEqual([q, []]);
      expect([q, baselineSkeletons.has(skeleton)]).toEqual([q, true]);
      for (const m of matchers) {
        expect([q, key(m), expected.has(key(m))]).toEqual([q, key(m), true]);
        seen.add(key(m));
      }
    }
    for (const m of [...selectorMatchers(''), ...selectorMatchers('label_')]) {
      expect(seen).toContain(key(m));
    }
    // The regexes match the listed values literally, and nothing else.
    const appRegex = new RegExp(`^(?:${'my-app|a\\.b'})$`);
    expect(['my-app', 'a.b'].every(v => appRegex.test(v))).toBe(true);
    expect(['aXb', 'my-app|a.b', 'a.b.c'].some(v => appRegex.test(v))).toBe(
      false,
    );
  });

  it('sends the cluster only label selectors built from validated names', () => {
    const selectors = world.sandbox.requests
      .list(0)
      .map(r => new URLSearchParams(r.query).get('labelSelector'))
      .filter((s): s is string => s !== null);
    expect(selectors.length).toBeGreaterThan(0);
    for (const selector of new Set(selectors)) {
      // key=value pairs of Kubernetes names only: nothing an annotation could have added.
      expect(selector).toMatch(
        /^[a-z0-9][-a-z0-9_./]*=[A-Za-z0-9][-A-Za-z0-9_.]*(,[a-z0-9][-a-z0-9_./]*=[A-Za-z0-9][-A-Za-z0-9_.]*)*$/,
      );
      for (const crafted of CRAFTED)
        expect(selector).not.toContain(crafted.value);
    }
  });
});

describe('dependency probes', () => {
  let world: World;
  const servers: http.Server[] = [];
  const hits = { allowed: 0, internal: 0 };

  /** A loopback HTTP server that counts the requests it gets. */
  async function counting(which: keyof typeof hits) {
    const server = http.createServer((_req, res) => {
      hits[which]++;
      res.end('ok');
    });
    servers.push(server);
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    return (server.address() as AddressInfo).port;
  }

  beforeAll(async () => {
    const allowed = await counting('allowed');
    // Stands for a host inside the backend's network that the entity author has no business with.
    const internal = await counting('internal');
    const file = join(mkdtempSync(join(tmpdir(), 'dependencies-')), 'd.yaml');
    writeAnnotatedComponents(file, [
      {
        name: 'dep-probe',
        annotations: {
          ...BASE_ANNOTATIONS,
          'blue-green.backstage.io/dependencies': [
            `http://localhost:${allowed}/health`,
            `http://127.0.0.1:${internal}/admin`,
            `127.0.0.1:${internal}`,
          ].join(','),
        },
      },
    ]);
    world = await startWorld({
      database: 'sqlite',
      catalogFiles: [file],
      blueGreen: {
        checks: { cacheTtl: '0s', dependencyHosts: [`localhost:${allowed}`] },
      },
    });
    await waitFor('dep-probe in the catalog', async () => {
      const res = await world
        .as(users.alice)
        .raw(
          'get',
          '/api/catalog/entities/by-name/component/default/dep-probe',
        );
      return res.status === 200;
    });
  });

  afterAll(async () => {
    await world?.stop();
    for (const server of servers) server.close();
  });

  it('contacts only the hosts in blueGreen.checks.dependencyHosts; the others make the item unknown', async () => {
    const res = await world
      .as(users.alice)
      .get('/entities/default/component/dep-probe/checklist');
    expectStatus(res, 200);
    const item = res.body.items.find((i: any) => i.id === 'dependencies');
    expect(item).toMatchObject({ kind: 'auto', status: 'unknown' });
    expect(item.message).toContain(
      '127.0.0.1 is not in blueGreen.checks.dependencyHosts',
    );
    expect(hits).toEqual({ allowed: 1, internal: 0 });
  });
});
