import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { ServiceAccountStrategy } from '@backstage/plugin-kubernetes-backend';
import { Sandbox, startSandbox } from '@bluegreen-backstage/kube-sandbox';
import http from 'node:http';
import net from 'node:net';
import { AddressInfo } from 'node:net';
import { KubernetesGateway } from './KubernetesGateway';
import { KUBE_RESOURCES } from './resources';

jest.setTimeout(60_000);

/** A gateway over one cluster `prod` (the sandbox), with `blueGreen.kubernetes.clusters` settings. */
function gatewayFor(sandbox: Sandbox, override: object) {
  return KubernetesGateway.create({
    config: new ConfigReader({
      blueGreen: {
        kubernetes: {
          requestTimeout: '3s',
          clusters: [
            {
              name: 'prod',
              authProvider: 'serviceAccount',
              serviceAccountToken: sandbox.token,
              ...override,
            },
          ],
        },
      },
    }),
    auth: mockServices.auth(),
    logger: mockServices.logger.mock(),
    clusters: {
      publish() {},
      get: async () => ({
        clusterSupplier: {
          getClusters: async () => [
            {
              name: 'prod',
              url: sandbox.url,
              caData: sandbox.caData,
              authMetadata: { 'kubernetes.io/auth-provider': 'google' },
            },
          ],
        },
        authStrategies: { serviceAccount: new ServiceAccountStrategy() },
      }),
    },
  });
}

const readNamespace = async (gateway: KubernetesGateway) =>
  (await gateway.client('prod')).get(
    KUBE_RESOURCES.namespaces,
    undefined,
    'default',
  );

describe('KubernetesGateway connections (client-node settings)', () => {
  let sandbox: Sandbox;
  let proxy: net.Server;
  const tunnelled: string[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({
      scenario: 'empty',
      listeners: false,
      https: { serverNames: ['api.prod.internal'] },
      requireToken: true,
    });
    // An HTTP CONNECT proxy, as between a portal and a private API server.
    proxy = http.createServer().on('connect', (req, socket, head) => {
      tunnelled.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const upstream = net.connect(Number(port), host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
    });
    await new Promise<void>(r => proxy.listen(0, '127.0.0.1', r));
  });

  afterAll(async () => {
    await sandbox.stop();
    await new Promise(r => proxy.close(r));
  });

  it('checks the certificate against tlsServerName', async () => {
    expect(
      await readNamespace(
        gatewayFor(sandbox, { tlsServerName: 'api.prod.internal' }),
      ),
    ).toMatchObject({ metadata: { name: 'default' } });
    await expect(
      readNamespace(
        gatewayFor(sandbox, { tlsServerName: 'api.other.internal' }),
      ),
    ).rejects.toThrow(
      /cluster prod is unreachable: .*(altnames|does not match)/i,
    );
  });

  it('tunnels through proxyUrl', async () => {
    const { port } = proxy.address() as AddressInfo;
    tunnelled.length = 0;
    expect(
      await readNamespace(
        gatewayFor(sandbox, { proxyUrl: `http://127.0.0.1:${port}` }),
      ),
    ).toMatchObject({ metadata: { name: 'default' } });
    expect(tunnelled).toEqual([new URL(sandbox.url).host]);
  });

  it("uses the plugin's own token, not the Kubernetes plugin's user-side auth", async () => {
    const client = await gatewayFor(sandbox, {}).client('prod');
    expect(client.readOnly).toBeUndefined();
    await expect(
      gatewayFor(sandbox, { serviceAccountToken: 'not-the-token' })
        .client('prod')
        .then(c => c.get(KUBE_RESOURCES.namespaces, undefined, 'default')),
    ).rejects.toThrow(/refused the plugin's credentials/);
  });
});
