import {
  ConflictError,
  InputError,
  NotAllowedError,
  ServiceUnavailableError,
} from '@backstage/errors';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { HttpKubeClient } from './HttpKubeClient';
import { KUBE_RESOURCES } from './resources';

/** Starts `server` on a random local port and answers a client of cluster `test` reaching it. */
const agent = new http.Agent();

async function clientOf(server: http.Server): Promise<HttpKubeClient> {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return new HttpKubeClient({
    cluster: 'test',
    baseUrl: new URL(`http://127.0.0.1:${port}`),
    connect: async () => ({ agent, headers: {} }),
    timeoutMs: 5000,
  });
}

describe('HttpKubeClient.proxyGet', () => {
  let server: http.Server;
  const paths: string[] = [];
  let client: HttpKubeClient;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      paths.push(req.url ?? '');
      res.end('ok');
    });
    client = await clientOf(server);
  });

  afterAll(() => new Promise(resolve => server.close(resolve)));

  it('GETs a path under the pod proxy', async () => {
    const res = await client.proxyGet({
      kind: 'pods',
      namespace: 'default',
      name: 'web-1',
      port: 8080,
      path: '/health/ready',
    });
    expect(res).toEqual({ status: 200, body: 'ok' });
    expect(paths.pop()).toBe(
      '/api/v1/namespaces/default/pods/web-1%3A8080/proxy/health/ready',
    );
  });

  it.each([
    '/../../../../../../api/v1/namespaces/kube-system/secrets',
    '/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/api/v1/secrets',
    '/..',
  ])(
    'refuses %s, which climbs out of the proxy, without a request',
    async path => {
      const before = paths.length;
      await expect(
        client.proxyGet({
          kind: 'pods',
          namespace: 'default',
          name: 'web-1',
          path,
        }),
      ).rejects.toThrow(InputError);
      expect(paths.length).toBe(before);
    },
  );
});

describe('HttpKubeClient.list', () => {
  let server: http.Server;
  let client: HttpKubeClient;
  const items = Array.from({ length: 300 }, (_, i) => ({
    metadata: {
      name: `web-${i}`,
      namespace: 'default',
      labels: { app: 'web' },
    },
    spec: { replicas: i % 3, note: 'a } ] , " in a string' },
  }));

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url?.startsWith('/apis/apps/v1/deployments')) {
        // Written in small pieces, so that items arrive split across chunks.
        const body = JSON.stringify({
          kind: 'DeploymentList',
          apiVersion: 'apps/v1',
          metadata: { resourceVersion: '77' },
          items,
        });
        res.writeHead(200, { 'Content-Type': 'application/json' });
        for (let i = 0; i < body.length; i += 1000) {
          res.write(body.slice(i, i + 1000));
        }
        res.end();
      } else if (req.url?.startsWith('/api/v1/services')) {
        res.writeHead(403, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({
            kind: 'Status',
            message: 'services is forbidden',
            reason: 'Forbidden',
          }),
        );
      } else if (req.url?.startsWith('/api/v1/pods')) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"kind":"PodList","items":[{"metadata":');
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    client = await clientOf(server);
  });

  afterAll(() => new Promise(resolve => server.close(resolve)));

  it('answers the items and the resourceVersion of a list sent in chunks', async () => {
    const list = await client.list(KUBE_RESOURCES.deployments, undefined);
    expect(list).toEqual({ items, resourceVersion: '77' });
  });

  it('answers unchanged items of a list read again with the objects given to reuse', async () => {
    const first = await client.list(KUBE_RESOURCES.deployments, undefined, {
      reuse: new Map(),
    });
    expect(first.items).toEqual(items);
    expect(first.digests).toHaveLength(items.length);
    const reuse = new Map(first.digests!.map((d, i) => [d, first.items[i]]));

    items[5] = { ...items[5], spec: { ...items[5].spec, replicas: 9 } };
    const again = await client.list(KUBE_RESOURCES.deployments, undefined, {
      reuse,
    });
    expect(again.items).toEqual(items);
    expect(again.items[4]).toBe(first.items[4]);
    expect(again.items[5]).not.toBe(first.items[5]);
    expect(again.items.filter((o, i) => o === first.items[i])).toHaveLength(
      items.length - 1,
    );
  });

  it('reads a refusal from the Status the API server answers', async () => {
    await expect(
      client.list(KUBE_RESOURCES.services, undefined),
    ).rejects.toThrow(
      'cluster test: list services: services is forbidden (the cluster refused the plugin',
    );
  });

  it('answers a truncated list as the cluster being unavailable, naming it', async () => {
    const error = await client
      .list(KUBE_RESOURCES.pods, undefined)
      .catch(e => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error.message).toContain(
      'cluster test answered GET /api/v1/pods with an unreadable list',
    );
  });

  it('lists nothing of an API group the cluster does not serve', async () => {
    await expect(
      client.list(KUBE_RESOURCES.rollouts, undefined),
    ).resolves.toEqual({ items: [] });
  });
});

describe('HttpKubeClient.podLog', () => {
  let server: http.Server;
  let client: HttpKubeClient;
  const urls: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      urls.push(req.url ?? '');
      if (req.url?.includes('/pods/denied/')) {
        res.writeHead(403, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({
            kind: 'Status',
            message:
              'pods "denied" is forbidden: User "system:serviceaccount:backstage:blue-green" cannot get resource "pods/log" in API group "" in the namespace "default"',
          }),
        );
        return;
      }
      // A server that ignores limitBytes: 1 MB of log.
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ERROR boom\n'.repeat(100_000));
    });
    client = await clientOf(server);
  });

  afterAll(() => new Promise(resolve => server.close(resolve)));

  it('sends the bounds, and keeps no more than limitBytes of an answer that ignores them', async () => {
    const text = await client.podLog({
      namespace: 'default',
      name: 'web-1',
      container: 'app',
      sinceSeconds: 120,
      tailLines: 500,
      limitBytes: 4096,
      timestamps: true,
    });
    expect(text.length).toBe(4096);
    expect(text.startsWith('ERROR boom\n')).toBe(true);
    const url = new URL(urls.pop()!, 'http://x');
    expect(url.pathname).toBe('/api/v1/namespaces/default/pods/web-1/log');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      limitBytes: '4096',
      container: 'app',
      sinceSeconds: '120',
      tailLines: '500',
      timestamps: 'true',
    });
  });

  it("says what the API server refused, and what the plugin's role lacks", async () => {
    const read = client.podLog({
      namespace: 'default',
      name: 'denied',
      limitBytes: 1024,
    });
    await expect(read).rejects.toThrow(ServiceUnavailableError);
    await expect(read).rejects.toThrow(
      /get pods\/log denied: .*cannot get resource "pods\/log".*Blue\/Green ClusterRole/,
    );
  });
});

describe('HttpKubeClient.watch', () => {
  let server: http.Server;
  let client: HttpKubeClient;
  const queries: URLSearchParams[] = [];
  const service = (name: string, rv: string) => ({
    metadata: { name, namespace: 'default', resourceVersion: rv },
  });

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '', 'http://x');
      queries.push(url.searchParams);
      const from = url.searchParams.get('resourceVersion');
      if (from === 'forbidden') {
        res.writeHead(403, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({
            kind: 'Status',
            message: 'services is forbidden: cannot watch resource "services"',
          }),
        );
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      if (from === 'old') {
        res.end(
          `${JSON.stringify({
            type: 'ERROR',
            object: { kind: 'Status', code: 410, message: 'too old' },
          })}\n`,
        );
        return;
      }
      if (from === 'hang') {
        res.write(
          `${JSON.stringify({ type: 'ADDED', object: service('a', '2') })}\n`,
        );
        return;
      }
      // Three events, the second cut across two chunks, then the API server's timeout.
      const lines = [
        { type: 'ADDED', object: service('a', '11') },
        { type: 'MODIFIED', object: service('b', '12') },
        { type: 'BOOKMARK', object: { metadata: { resourceVersion: '13' } } },
        { type: 'DELETED', object: service('a', '14') },
      ]
        .map(e => `${JSON.stringify(e)}\n`)
        .join('');
      const cut = lines.indexOf('"b"');
      res.write(lines.slice(0, cut));
      setTimeout(() => res.end(lines.slice(cut)), 20);
    });
    client = await clientOf(server);
  });

  afterAll(() => new Promise(resolve => server.close(resolve)));

  it('hands over each event in order, and ends when the API server closes the watch', async () => {
    const events: Array<[string, string | undefined]> = [];
    const watch = client.watch(
      KUBE_RESOURCES.services,
      undefined,
      { resourceVersion: '10', labelSelector: 'app=x', timeoutSeconds: 60 },
      e => events.push([e.type, e.object.metadata.resourceVersion]),
    );
    await expect(watch.done).resolves.toBeUndefined();
    expect(events).toEqual([
      ['ADDED', '11'],
      ['MODIFIED', '12'],
      ['BOOKMARK', '13'],
      ['DELETED', '14'],
    ]);
    expect(Object.fromEntries(queries.pop()!)).toEqual({
      watch: 'true',
      allowWatchBookmarks: 'true',
      resourceVersion: '10',
      timeoutSeconds: '60',
      labelSelector: 'app=x',
    });
  });

  it('ends with a ConflictError when the resourceVersion is too old to resume from', async () => {
    const watch = client.watch(
      KUBE_RESOURCES.services,
      undefined,
      { resourceVersion: 'old', timeoutSeconds: 60 },
      () => {},
    );
    await expect(watch.done).rejects.toThrow(ConflictError);
  });

  it('ends with a NotAllowedError, saying what was refused, when the role does not grant watch', async () => {
    const watch = client.watch(
      KUBE_RESOURCES.services,
      undefined,
      { resourceVersion: 'forbidden', timeoutSeconds: 60 },
      () => {},
    );
    await expect(watch.done).rejects.toThrow(NotAllowedError);
    await expect(watch.done).rejects.toThrow(/cannot watch resource/);
  });

  it('ends with the error a handler throws, instead of throwing it in the socket', async () => {
    const watch = client.watch(
      KUBE_RESOURCES.services,
      undefined,
      { resourceVersion: '10', timeoutSeconds: 60 },
      () => {
        throw new Error('the handler failed');
      },
    );
    await expect(watch.done).rejects.toThrow('the handler failed');
  });

  it('stops when asked, and then resolves', async () => {
    const events: string[] = [];
    const watch = client.watch(
      KUBE_RESOURCES.services,
      undefined,
      { resourceVersion: 'hang', timeoutSeconds: 60 },
      e => events.push(e.object.metadata.name),
    );
    await new Promise(resolve => setTimeout(resolve, 100));
    watch.stop();
    await expect(watch.done).resolves.toBeUndefined();
    expect(events).toEqual(['a']);
  });
});
