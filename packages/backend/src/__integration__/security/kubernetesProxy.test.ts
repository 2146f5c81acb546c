import { createBackendModule } from '@backstage/backend-plugin-api';
import { kubernetesClusterSupplierExtensionPoint } from '@backstage/plugin-kubernetes-node';
import { mkdtempSync } from 'node:fs';
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
  writeAnnotatedComponents,
  writesSince,
} from '../../__testUtils__/security';

/**
 * Raw cluster access is the platform team's alone (issue 17, finding 2). The Kubernetes plugin's
 * proxy sends any request to a cluster with the backend's credentials; the demo policy gives
 * `kubernetes.proxy` to the platform group only, and Blue/Green never needs it: it reads and
 * switches through its own backend path, authorised by its own permissions.
 */

jest.setTimeout(180_000);

const GUEST = 'user:default/guest';
/** team-payments' Service: the active Service of my-app-rollout. */
const PAYMENTS_SERVICE =
  '/api/v1/namespaces/rollouts-demo/services/my-app-active';

describe('the Kubernetes proxy', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld({ database: 'sqlite' });
  });

  afterAll(async () => {
    await world?.stop();
  });

  const proxy = (user: string, method: 'get' | 'post', path: string) =>
    world
      .as(user)
      .raw(method, `/api/kubernetes/proxy${path}`)
      .set('Backstage-Kubernetes-Cluster', 'sandbox');

  it("refuses the guest a patch of another team's Service selector, and the cluster sees nothing", async () => {
    const before = await world.kube(PAYMENTS_SERVICE);
    const mark = world.sandbox.requests.mark();
    const res = await world
      .as(GUEST)
      .raw('patch', `/api/kubernetes/proxy${PAYMENTS_SERVICE}`)
      .set('Backstage-Kubernetes-Cluster', 'sandbox')
      .set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify({ spec: { selector: { app: 'hijacked' } } }));
    expectStatus(res, 403);
    expect(writesSince(world.sandbox, mark)).toEqual([]);
    expect((await world.kube(PAYMENTS_SERVICE)).spec.selector).toEqual(
      before.spec.selector,
    );
  });

  it('refuses the guest and other teams raw reads too', async () => {
    for (const user of [GUEST, users.alice, users.bob]) {
      expectStatus(
        await proxy(user, 'get', '/api/v1/namespaces/kube-system/secrets'),
        403,
      );
    }
  });

  it('lets the platform group through', async () => {
    const res = await proxy(users.carol, 'get', PAYMENTS_SERVICE);
    expectStatus(res, 200);
    expect(res.body.metadata.name).toBe('my-app-active');
  });

  it('keeps catalog deletes and location registration for the platform group', async () => {
    const entity = await world
      .as(GUEST)
      .raw('get', '/api/catalog/entities/by-name/component/default/my-app');
    expectStatus(entity, 200);
    expectStatus(
      await world
        .as(GUEST)
        .raw(
          'delete',
          `/api/catalog/entities/by-uid/${entity.body.metadata.uid}`,
        ),
      403,
    );
    const location = {
      type: 'url',
      target: 'https://example.com/catalog-info.yaml',
    };
    expectStatus(
      await world
        .as(GUEST)
        .raw('post', '/api/catalog/locations?dryRun=true')
        .send(location),
      403,
    );
    const platform = await world
      .as(users.carol)
      .raw('post', '/api/catalog/locations?dryRun=true')
      .send(location);
    expect(platform.status).not.toBe(403);
  });
});

describe('blue/green for the guest, without kubernetes.proxy', () => {
  let world: World;

  beforeAll(async () => {
    let sandboxOf: any;
    // A cluster the Kubernetes plugin knows only from a supplier module (as from a catalog or
    // cloud locator): the plugin used to reach such clusters through the proxy, as the user.
    const supplier = createBackendModule({
      pluginId: 'kubernetes',
      moduleId: 'test-registry',
      register(reg) {
        reg.registerInit({
          deps: { clusters: kubernetesClusterSupplierExtensionPoint },
          async init({ clusters }) {
            clusters.addClusterSupplier({
              async getClusters() {
                return [
                  {
                    name: 'registry-cluster',
                    url: sandboxOf.url,
                    skipTLSVerify: true,
                    authMetadata: {
                      'kubernetes.io/auth-provider': 'serviceAccount',
                      serviceAccountToken: sandboxOf.token,
                    },
                  },
                ];
              },
            });
          },
        });
      },
    });
    const file = join(mkdtempSync(join(tmpdir(), 'proxy-')), 'entities.yaml');
    writeAnnotatedComponents(file, [
      {
        name: 'my-app-in-registry',
        annotations: {
          'backstage.io/kubernetes-id': 'my-app',
          'backstage.io/kubernetes-namespace': 'default',
          'backstage.io/kubernetes-label-selector': 'app=my-app',
          'backstage.io/kubernetes-cluster': 'registry-cluster',
          'blue-green.backstage.io/strategy': 'service-selector',
        },
      },
    ]);
    world = await startWorld({
      database: 'sqlite',
      catalogFiles: [file],
      kubernetes: sandbox => {
        sandboxOf = sandbox;
        return {
          serviceLocatorMethod: { type: 'multiTenant' },
          clusterLocatorMethods: [{ type: 'config', clusters: [] }],
        };
      },
      features: [supplier],
    });
    // The seeds' my-app objects belong to this entity here.
    await bindObjects(world, 'component:default/my-app-in-registry');
  });

  afterAll(async () => {
    await world?.stop();
  });

  it('reads, promotes and rolls back its own service', async () => {
    const path = '/entities/default/component/my-app-in-registry';
    const proxied = await world
      .as(GUEST)
      .raw(
        'get',
        '/api/kubernetes/proxy/api/v1/namespaces/default/services/my-app',
      )
      .set('Backstage-Kubernetes-Cluster', 'registry-cluster');
    expectStatus(proxied, 403);

    const status = await waitFor('my-app ready', async () => {
      const res = await world.as(GUEST).get(path);
      expectStatus(res, 200);
      return res.body.promote.allowed && res.body;
    });
    expectStatus(
      await world
        .as(GUEST)
        .post(`${path}/promote`, { revision: status.revision }),
      200,
    );
    expect(await world.hit('default', 'my-app')).toContain('v1.1.0');
    expectStatus(await world.as(GUEST).post(`${path}/rollback`, {}), 200);
    expect(await world.hit('default', 'my-app')).toContain('v1.0.0');
  });
});
