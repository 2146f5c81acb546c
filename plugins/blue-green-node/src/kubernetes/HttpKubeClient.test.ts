import { InputError } from '@backstage/errors';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { HttpKubeClient } from './HttpKubeClient';

describe('HttpKubeClient.proxyGet', () => {
  let server: http.Server;
  const paths: string[] = [];
  let client: HttpKubeClient;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      paths.push(req.url ?? '');
      res.end('ok');
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    client = new HttpKubeClient({
      cluster: 'test',
      baseUrl: new URL(`http://127.0.0.1:${port}`),
      agent: new http.Agent(),
      headers: async () => ({}),
      timeoutMs: 5000,
    });
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
