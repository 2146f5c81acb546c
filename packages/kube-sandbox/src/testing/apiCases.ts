/* eslint-disable jest/no-export -- a library of cases, run by the suites that import it */
/**
 * The sandbox's API conformance cases: run against the sandbox and a real control plane (see
 * targets.ts and __integration__/conformance.test.ts).
 */
import { waitFor } from './helpers';
import type { KubeTarget } from './targets';

const svc = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, labels },
  spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] },
});

const rollout = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Rollout',
  metadata: { name: 'r' },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'r' } },
    template: {
      metadata: { labels: { app: 'r' } },
      spec: { containers: [{ name: 'app', image: 'my-app:1.0.0' }] },
    },
    strategy: { blueGreen: { activeService: 'r-active' } },
  },
};

export function apiCases(getTarget: () => KubeTarget) {
  let target: KubeTarget;
  beforeAll(() => {
    target = getTarget();
  });
  const api = (
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ) => target.api(method, path, body, { contentType });

  it('answers NotFound with the exact Status body', async () => {
    const r = await api('GET', '/api/v1/namespaces/default/services/grafana');
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(r.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'services "grafana" not found',
      reason: 'NotFound',
      details: { name: 'grafana', kind: 'services' },
      code: 404,
    });
    const d = await api(
      'GET',
      '/apis/apps/v1/namespaces/default/deployments/web',
    );
    expect(d.json.message).toBe('deployments.apps "web" not found');
    expect(d.json.details).toEqual({
      name: 'web',
      group: 'apps',
      kind: 'deployments',
    });
  });

  it('lists with kind, resourceVersion and label selectors', async () => {
    await api(
      'POST',
      '/api/v1/namespaces/default/services',
      svc('a', { tier: 'web' }),
    );
    await api(
      'POST',
      '/api/v1/namespaces/default/services',
      svc('b', { tier: 'db' }),
    );
    const r = await api(
      'GET',
      '/api/v1/namespaces/default/services?labelSelector=tier%20in%20(web)',
    );
    expect(r.json.kind).toBe('ServiceList');
    expect(r.json.apiVersion).toBe('v1');
    expect(Number(r.json.metadata.resourceVersion)).toBeGreaterThan(0);
    expect(r.json.items.map((i: any) => i.metadata.name)).toEqual(['a']);
    const bad = await api(
      'GET',
      '/api/v1/namespaces/default/pods?fieldSelector=foo.bar%3D1',
    );
    expect(bad.status).toBe(400);
    const empty = await api(
      'GET',
      '/apis/batch/v1/namespaces/default/cronjobs',
    );
    expect(empty.json).toEqual({
      kind: 'CronJobList',
      apiVersion: 'batch/v1',
      metadata: { resourceVersion: expect.any(String) },
      items: [],
    });
  });

  it('answers 409 Conflict on a stale resourceVersion (PUT and PATCH)', async () => {
    const created = await api(
      'POST',
      '/api/v1/namespaces/default/services',
      svc('c'),
    );
    const stale = created.json.metadata.resourceVersion;
    await api(
      'PATCH',
      '/api/v1/namespaces/default/services/c',
      { metadata: { labels: { x: '1' } } },
      'application/merge-patch+json',
    );
    const put = await api('PUT', '/api/v1/namespaces/default/services/c', {
      ...created.json,
      metadata: { ...created.json.metadata, resourceVersion: stale },
    });
    expect(put.status).toBe(409);
    expect(put.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'Operation cannot be fulfilled on services "c": the object has been modified; please apply your changes to the latest version and try again',
      reason: 'Conflict',
      details: { name: 'c', kind: 'services' },
      code: 409,
    });
    const patch = await api(
      'PATCH',
      '/api/v1/namespaces/default/services/c',
      {
        metadata: { resourceVersion: stale },
        spec: { selector: { app: 'x' } },
      },
      'application/merge-patch+json',
    );
    expect(patch.status).toBe(409);
  });

  it('answers 422 when a JSON patch test fails', async () => {
    await api('POST', '/api/v1/namespaces/default/services', svc('d'));
    const r = await api(
      'PATCH',
      '/api/v1/namespaces/default/services/d',
      [
        { op: 'test', path: '/spec/selector/app', value: 'nope' },
        { op: 'replace', path: '/spec/selector/app', value: 'x' },
      ],
      'application/json-patch+json',
    );
    expect(r.status).toBe(422);
    expect(r.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'the server rejected our request due to an error in our request',
      reason: 'Invalid',
      details: {},
      code: 422,
    });
  });

  it('answers 415 for a strategic merge patch on a Rollout, and accepts merge patch', async () => {
    const c = await api(
      'POST',
      '/apis/argoproj.io/v1alpha1/namespaces/default/rollouts',
      rollout,
    );
    expect(c.status).toBe(201);
    expect(c.json.metadata.generation).toBe(1);
    const r = await api(
      'PATCH',
      '/apis/argoproj.io/v1alpha1/namespaces/default/rollouts/r',
      { spec: { paused: true } },
      'application/strategic-merge-patch+json',
    );
    expect(r.status).toBe(415);
    expect(r.json.reason).toBe('UnsupportedMediaType');
    expect(r.json.message).toBe(
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    );
    const ok = await api(
      'PATCH',
      '/apis/argoproj.io/v1alpha1/namespaces/default/rollouts/r',
      { spec: { paused: true } },
      'application/merge-patch+json',
    );
    expect(ok.status).toBe(200);
    expect(ok.json.metadata.generation).toBe(2);
    // Custom resources refuse an unconditional PUT.
    const { resourceVersion, ...meta } = ok.json.metadata;
    const put = await api(
      'PUT',
      '/apis/argoproj.io/v1alpha1/namespaces/default/rollouts/r',
      { ...ok.json, metadata: meta },
    );
    expect(put.status).toBe(422);
    expect(resourceVersion).toBeDefined();
  });

  it('keeps status out of main-resource writes and spec out of /status writes', async () => {
    await api(
      'PATCH',
      '/apis/argoproj.io/v1alpha1/namespaces/default/rollouts/r/status',
      { status: { abort: true } },
      'application/merge-patch+json',
    );
    const main = await api(
      'PATCH',
      '/apis/argoproj.io/v1alpha1/namespaces/default/rollouts/r',
      { status: { abort: false } },
      'application/merge-patch+json',
    );
    expect(main.json.status.abort).toBe(true);
    const st = await api(
      'PATCH',
      '/apis/argoproj.io/v1alpha1/namespaces/default/rollouts/r/status',
      { spec: { replicas: 9 }, status: { abort: false } },
      'application/merge-patch+json',
    );
    expect(st.json.spec.replicas).toBe(1);
    expect(st.json.status.abort).toBe(false);
    expect(st.json.metadata.generation).toBe(2);
  });

  it('streams MODIFIED to a watch after a patch, one JSON event per line', async () => {
    const list = await api('GET', '/api/v1/namespaces/default/services');
    const rv = list.json.metadata.resourceVersion;
    const ctrl = new AbortController();
    const stream = await target.stream(
      `/api/v1/namespaces/default/services?watch=true&resourceVersion=${rv}&fieldSelector=metadata.name%3Da`,
      ctrl.signal,
    );
    const chunks = stream[Symbol.asyncIterator]();
    await api(
      'PATCH',
      '/api/v1/namespaces/default/services/a',
      { spec: { selector: { app: 'green' } } },
      'application/strategic-merge-patch+json',
    );
    let text = '';
    while (!text.includes('\n')) {
      const { value } = await chunks.next();
      text += Buffer.from(value).toString();
    }
    const ev = JSON.parse(text.split('\n')[0]);
    expect(ev.type).toBe('MODIFIED');
    expect(ev.object.spec.selector).toEqual({ app: 'green' });
    expect(ev.object.kind).toBe('Service');
    ctrl.abort();
  });

  it('answers a watch from an old version: 410 Expired (sandbox) or the current state (kube-apiserver)', async () => {
    const list = await api('GET', '/api/v1/namespaces/default/configmaps');
    await api('POST', '/api/v1/namespaces/default/configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x' },
      data: { a: 'b' },
    });
    // The sandbox expires a version once its history is compacted. kube-apiserver's watch cache
    // holds every event since it started and answers an older version with the current state
    // (ADDED); its 410 comes once that window has moved on, minutes later (README: differences).
    const old = target.sandbox
      ? (target.sandbox.internals.store.compact('configmaps'),
        list.json.metadata.resourceVersion)
      : '1';
    const r = await api(
      'GET',
      `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${old}&timeoutSeconds=1`,
    );
    expect(r.status).toBe(200);
    const events = r.text
      .trim()
      .split('\n')
      .map(line => JSON.parse(line))
      .map(e =>
        e.type === 'ERROR'
          ? { type: e.type, status: e.object }
          : { type: e.type, name: e.object.metadata.name },
      );
    const expected = {
      sandbox: [
        {
          type: 'ERROR',
          status: expect.objectContaining({
            kind: 'Status',
            status: 'Failure',
            reason: 'Expired',
            code: 410,
            message: expect.stringMatching(
              /^too old resource version: \d+ \(\d+\)$/,
            ),
          }),
        },
      ],
      'control plane': expect.arrayContaining([{ type: 'ADDED', name: 'x' }]),
    }[target.name];
    expect(events).toEqual(expected);
    expect(events.every(e => e.type === events[0].type)).toBe(true);
  });

  it('maintains generation/observedGeneration and the scale subresource of a Deployment', async () => {
    const dep = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'app', image: 'nginx:1.14' }] },
        },
      },
    };
    const c = await api(
      'POST',
      '/apis/apps/v1/namespaces/default/deployments',
      dep,
    );
    expect(c.json.metadata.generation).toBe(1);
    const labels = await api(
      'PATCH',
      '/apis/apps/v1/namespaces/default/deployments/web',
      { metadata: { labels: { a: 'b' } } },
      'application/merge-patch+json',
    );
    expect(labels.json.metadata.generation).toBe(1);
    const scaled = await api(
      'PATCH',
      '/apis/apps/v1/namespaces/default/deployments/web/scale',
      { spec: { replicas: 2 } },
      'application/merge-patch+json',
    );
    expect(scaled.json).toMatchObject({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      spec: { replicas: 2 },
    });
    await waitFor(
      async () => {
        const d = await api(
          'GET',
          '/apis/apps/v1/namespaces/default/deployments/web',
        );
        return (
          d.json.metadata.generation === 2 &&
          d.json.status.observedGeneration === 2 &&
          d.json.status.readyReplicas === 2
        );
      },
      10000,
      'deployment ready',
    );
    const scale = await api(
      'GET',
      '/apis/apps/v1/namespaces/default/deployments/web/scale',
    );
    expect(scale.json.status).toEqual({ replicas: 2, selector: 'app=web' });
    const invalid = await api(
      'POST',
      '/apis/apps/v1/namespaces/default/deployments',
      {
        ...dep,
        metadata: { name: 'bad' },
        spec: { ...dep.spec, selector: { matchLabels: { app: 'other' } } },
      },
    );
    expect(invalid.status).toBe(422);
    expect(invalid.json.message).toMatch(
      /^Deployment.apps "bad" is invalid: spec.template.metadata.labels: Invalid value/,
    );
  });

  it('serves discovery and OpenAPI v3 for kubectl, and Tables for kubectl get', async () => {
    const v1 = await api('GET', '/api/v1');
    expect(v1.json.resources.map((r: any) => r.name)).toEqual(
      expect.arrayContaining([
        'pods',
        'pods/proxy',
        'pods/log',
        'services/proxy',
        'endpoints',
        'events',
        'configmaps',
      ]),
    );
    const apps = await api('GET', '/apis/apps/v1');
    expect(apps.json.resources).toContainEqual(
      expect.objectContaining({
        name: 'deployments/scale',
        group: 'autoscaling',
        version: 'v1',
        kind: 'Scale',
      }),
    );
    const groups = await api('GET', '/apis');
    expect(groups.json.groups.map((g: any) => g.name)).toEqual(
      expect.arrayContaining([
        'apps',
        'argoproj.io',
        'networking.istio.io',
        'discovery.k8s.io',
        // The sandbox serves metrics.k8s.io itself; a cluster has it with metrics-server only.
        ...(target.name === 'sandbox' ? ['metrics.k8s.io'] : []),
      ]),
    );
    const idx = await api('GET', '/openapi/v3');
    expect(
      idx.json.paths['apis/networking.istio.io/v1beta1'].serverRelativeURL,
    ).toMatch(/hash=/);
    const { json: table } = await target.api(
      'GET',
      '/api/v1/namespaces/default/services',
      undefined,
      { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
    );
    expect(table.kind).toBe('Table');
    expect(table.columnDefinitions.map((c: any) => c.name)).toEqual([
      'Name',
      'Type',
      'Cluster-IP',
      'External-IP',
      'Port(s)',
      'Age',
      'Selector',
    ]);
  });
}
