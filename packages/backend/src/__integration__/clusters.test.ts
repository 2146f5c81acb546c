import { createBackendModule } from '@backstage/backend-plugin-api';
import { kubernetesClusterSupplierExtensionPoint } from '@backstage/plugin-kubernetes-node';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  awsTokenVerifier,
  startGoogleTokenService,
} from '../__testUtils__/clusterAuth';
import {
  expectStatus,
  startWorld,
  users,
  waitFor,
  World,
} from '../__testUtils__/harness';
import {
  bindObjects,
  writeAnnotatedComponents,
  writesSince,
} from '../__testUtils__/security';

/**
 * Every form of cluster the Kubernetes plugin reaches, Blue/Green reaches — against a sandbox
 * serving HTTPS from a self-signed CA that refuses every bearer token it cannot vouch for. Each
 * cluster below is the same sandbox under another name and auth form; an entity per cluster.
 */

jest.setTimeout(240_000);

const AWS = {
  accessKeyId: 'AKIASANDBOXEXAMPLE01',
  secretAccessKey: 'sandbox/secret/key/for/the/aws/strategy',
  clusterId: 'eks-prod',
};
/** The Blue/Green plugin's own service account token, and the Kubernetes plugin's read-only one. */
const BLUE_GREEN_TOKEN = 'blue-green-sa-token';
const KUBERNETES_PLUGIN_TOKEN = 'kubernetes-plugin-token';
/** A signed-in user's Google token, as the browser sends it. */
const USER_GOOGLE_TOKEN = 'ya29.user-token-of-alice';

/** Components named `my-app-on-<cluster>`: my-app's objects, reached through that cluster. */
function entitiesFor(clusters: string[]) {
  const file = join(mkdtempSync(join(tmpdir(), 'clusters-')), 'entities.yaml');
  writeAnnotatedComponents(
    file,
    clusters.map(cluster => ({
      name: `my-app-on-${cluster}`,
      annotations: {
        'backstage.io/kubernetes-id': 'my-app',
        'backstage.io/kubernetes-namespace': 'default',
        'backstage.io/kubernetes-label-selector': 'app=my-app',
        'backstage.io/kubernetes-cluster': cluster,
        'blue-green.backstage.io/strategy': 'service-selector',
      },
    })),
  );
  return file;
}

const path = (cluster: string) =>
  `/entities/default/component/my-app-on-${cluster}`;

/**
 * Reads the entity until both colors are ready, then promotes and rolls back through `cluster`;
 * answers the color live at the end.
 */
async function switchesThrough(world: World, cluster: string) {
  // One sandbox behind every cluster: my-app's objects belong to this cluster's entity now.
  await bindObjects(world, `component:default/my-app-on-${cluster}`);
  const status = await waitFor(`my-app through ${cluster}`, async () => {
    const res = await world.as(users.alice).get(path(cluster));
    expectStatus(res, 200);
    return res.body.promote.allowed && res.body;
  });
  expect(status.cluster).toBe(cluster);
  expect(status.readOnly).toBeUndefined();
  const promoted = await world
    .as(users.alice)
    .post(`${path(cluster)}/promote`, { revision: status.revision });
  expectStatus(promoted, 200);
  expect(await world.hit('default', 'my-app')).toContain('v1.1.0');
  expectStatus(
    await world.as(users.alice).post(`${path(cluster)}/rollback`, {}),
    200,
  );
  expect(await world.hit('default', 'my-app')).toContain('v1.0.0');
  return (await world.as(users.alice).get(path(cluster))).body.live;
}

describe('clusters from kubernetes.clusterLocatorMethods, over HTTPS with checked tokens', () => {
  let world: World;
  let google: Awaited<ReturnType<typeof startGoogleTokenService>>;
  const clusters = [
    'with-ca-data',
    'with-ca-file',
    'auth-metadata-form',
    'own-identity',
    'eks',
    'gke-service-account',
    'gke-user',
  ];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clusters-auth-'));
    google = await startGoogleTokenService(dir);
    const awsToken = awsTokenVerifier(AWS);
    world = await startWorld({
      database: 'sqlite',
      catalogFiles: [entitiesFor([...clusters, 'nowhere'])],
      sandbox: {
        https: true,
        requireToken: true,
        authenticate: async token =>
          token === BLUE_GREEN_TOKEN ||
          token === USER_GOOGLE_TOKEN ||
          google.issued(token) ||
          (await awsToken(token)),
      },
      kubernetes: sandbox => {
        const tls = { url: sandbox.url, caData: sandbox.caData };
        return {
          serviceLocatorMethod: { type: 'multiTenant' },
          googleServiceAccountCredentials: google.credentials,
          clusterLocatorMethods: [
            {
              type: 'config',
              clusters: [
                {
                  name: 'with-ca-data',
                  ...tls,
                  authProvider: 'serviceAccount',
                  serviceAccountToken: sandbox.token,
                },
                {
                  name: 'with-ca-file',
                  url: sandbox.url,
                  caFile: sandbox.caFile,
                  authProvider: 'serviceAccount',
                  serviceAccountToken: sandbox.token,
                },
                {
                  // The form the Kubernetes backend also accepts: settings as one map.
                  name: 'auth-metadata-form',
                  ...tls,
                  authMetadata: {
                    'kubernetes.io/auth-provider': 'serviceAccount',
                    serviceAccountToken: sandbox.token,
                  },
                },
                {
                  // The Kubernetes plugin's token, which this cluster refuses; Blue/Green has its own.
                  name: 'own-identity',
                  ...tls,
                  authProvider: 'serviceAccount',
                  serviceAccountToken: KUBERNETES_PLUGIN_TOKEN,
                },
                {
                  name: 'eks',
                  ...tls,
                  authProvider: 'aws',
                  authMetadata: {
                    'kubernetes.io/x-k8s-aws-id': AWS.clusterId,
                  },
                },
                {
                  name: 'gke-service-account',
                  ...tls,
                  authProvider: 'googleServiceAccount',
                },
                { name: 'gke-user', ...tls, authProvider: 'google' },
              ],
            },
          ],
        };
      },
      config: {
        aws: {
          mainAccount: {
            accessKeyId: AWS.accessKeyId,
            secretAccessKey: AWS.secretAccessKey,
          },
        },
      },
      blueGreen: {
        kubernetes: {
          clusters: [
            {
              name: 'own-identity',
              authProvider: 'serviceAccount',
              serviceAccountToken: BLUE_GREEN_TOKEN,
            },
          ],
        },
      },
    });
  });

  afterAll(async () => {
    await world?.stop();
    await google?.stop();
  });

  it.each([
    ['with-ca-data'],
    ['with-ca-file'],
    ['auth-metadata-form'],
    ['eks'],
    ['gke-service-account'],
  ])('reads and switches through %s', async cluster => {
    expect(world.sandbox.url).toMatch(/^https:/);
    expect(await switchesThrough(world, cluster)).toBe('blue');
  });

  it('switches with its own identity where blueGreen.kubernetes.clusters gives one', async () => {
    // The Kubernetes plugin's token is refused by this cluster: every read and write that
    // succeeds here was sent with the plugin's own.
    expect(await switchesThrough(world, 'own-identity')).toBe('blue');
  });

  it('reuses a Google access token instead of exchanging one per Kubernetes request', async () => {
    const before = google.exchanges();
    for (let i = 0; i < 5; i++) {
      expectStatus(
        await world.as(users.alice).get(path('gke-service-account')),
        200,
      );
    }
    expect(google.exchanges() - before).toBe(0);
    expect(google.exchanges()).toBeGreaterThanOrEqual(1);
  });

  it('reads a cluster with only user-side auth as the user, and refuses to switch it', async () => {
    await bindObjects(world, 'component:default/my-app-on-gke-user');
    const mark = world.sandbox.requests.mark();
    const asUser = () =>
      world
        .as(users.alice)
        .raw('get', `/api/blue-green${path('gke-user')}`)
        .set('Backstage-Kubernetes-Authorization-Google', USER_GOOGLE_TOKEN);
    const status = await waitFor('my-app through gke-user', async () => {
      const res = await asUser();
      expectStatus(res, 200);
      return res.body.colors.blue.replicas.ready > 0 && res.body;
    });
    expect(status.readOnly).toContain('blueGreen.kubernetes.clusters');
    expect(status.promote).toMatchObject({ allowed: false, forceable: false });
    expect(status.promote.reasons).toContain(status.readOnly);
    expect(status.rollback.allowed).toBe(false);

    const promoted = await world
      .as(users.carol)
      .raw('post', `/api/blue-green${path('gke-user')}/promote`)
      .set('Backstage-Kubernetes-Authorization-Google', USER_GOOGLE_TOKEN)
      .send({ force: true });
    expectStatus(promoted, 409);
    expect(promoted.body.error.message).toContain(
      'blueGreen.kubernetes.clusters',
    );

    // Without the user's token there is nothing to read with: a 403 saying what to send.
    const anonymous = await world.as(users.alice).get(path('gke-user'));
    expectStatus(anonymous, 403);
    expect(anonymous.body.error.message).toContain(
      'Backstage-Kubernetes-Authorization-google',
    );
    expect(writesSince(world.sandbox, mark)).toEqual([]);
  });

  it('answers an annotation naming a cluster nobody supplies with a 400 listing the known ones', async () => {
    const res = await world.as(users.alice).get(path('nowhere'));
    expectStatus(res, 400);
    expect(res.body.error.message).toContain('"nowhere"');
    expect(res.body.error.message).toContain('with-ca-data, with-ca-file');
  });
});

describe('clusters from a custom cluster supplier', () => {
  let world: World;

  beforeAll(async () => {
    let sandboxOf: any;
    // A module of the Kubernetes backend, as an adopter writes one for their cluster registry.
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
                    name: 'from-registry',
                    url: sandboxOf.url,
                    caData: sandboxOf.caData,
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
    world = await startWorld({
      database: 'sqlite',
      catalogFiles: [entitiesFor(['from-registry'])],
      sandbox: { https: true, requireToken: true },
      kubernetes: sandbox => {
        sandboxOf = sandbox;
        // The supplier replaces the locators; the section only has to exist.
        return {
          serviceLocatorMethod: { type: 'multiTenant' },
          clusterLocatorMethods: [{ type: 'config', clusters: [] }],
        };
      },
      features: [supplier],
    });
  });

  afterAll(async () => {
    await world?.stop();
  });

  it('reads and switches a cluster only the supplier knows', async () => {
    expect(await switchesThrough(world, 'from-registry')).toBe('blue');
  });
});
