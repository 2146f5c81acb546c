/**
 * Backstage's own Kubernetes backend, configured with the sandbox as a `config` cluster,
 * returns the seed workloads for catalog entities and reports no errors.
 */
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import kubernetesPlugin from '@backstage/plugin-kubernetes-backend';
import { Server } from 'http';
import { AddressInfo } from 'net';
import { startSandbox, Sandbox } from '../sandbox';
import { kubernetesConfig } from '../backstageConfig';

jest.setTimeout(120000);

const entity = (name: string, namespace: string, selector: string) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    annotations: {
      'backstage.io/kubernetes-label-selector': selector,
      'backstage.io/kubernetes-namespace': namespace,
    },
  },
  spec: { type: 'service', lifecycle: 'production', owner: 'guests' },
});

describe('Backstage Kubernetes backend against the sandbox', () => {
  let sandbox: Sandbox;
  let server: Server;
  let base: string;
  const entities = [
    entity('my-app', 'default', 'app=my-app'),
    entity('test-service', 'default', 'app=test-pod'),
    entity('my-app-rollout', 'rollouts-demo', 'app=my-app'),
  ];

  beforeAll(async () => {
    sandbox = await startSandbox({
      scenario: 'seeds',
      podReadyDelayMs: 200,
      traffic: false,
    });
    await sandbox.settled(20000);
    const backend = await startTestBackend({
      features: [
        kubernetesPlugin,
        catalogServiceMock.factory({ entities }),
        mockServices.rootConfig.factory({
          data: {
            kubernetes: {
              ...kubernetesConfig({ sandbox }, { skipMetricsLookup: false }),
              customResources: [
                {
                  group: 'argoproj.io',
                  apiVersion: 'v1alpha1',
                  plural: 'rollouts',
                },
              ],
            },
          },
        }),
      ],
    });
    server = backend.server;
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  const query = async (entityRef: string) => {
    const r = await fetch(`${base}/api/kubernetes/resources/workloads/query`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ entityRef, auth: {} }),
    });
    expect(r.status).toBe(200);
    return (await r.json()) as any;
  };

  it('returns the seed 001 pods and Deployments for component:my-app, without errors', async () => {
    const body = await query('component:default/my-app');
    expect(body.items).toHaveLength(1);
    const cluster = body.items[0];
    expect(cluster.cluster.name).toBe('sandbox');
    expect(cluster.errors).toEqual([]);
    const byType = Object.fromEntries(
      cluster.resources.map((r: any) => [r.type, r.resources]),
    );
    expect(byType.pods.map((p: any) => p.metadata.labels.color).sort()).toEqual(
      ['blue', 'blue', 'blue', 'green', 'green', 'green'],
    );
    expect(byType.deployments.map((d: any) => d.metadata.name).sort()).toEqual([
      'my-app-blue',
      'my-app-green',
    ]);
    expect(byType.services.map((s: any) => s.metadata.name)).toEqual([]);
    expect(byType.replicasets).toHaveLength(2);
    for (const t of [
      'configmaps',
      'limitranges',
      'resourcequotas',
      'horizontalpodautoscalers',
      'jobs',
      'cronjobs',
      'ingresses',
      'statefulsets',
      'daemonsets',
    ]) {
      expect(byType[t]).toEqual([]);
    }
    expect(cluster.podMetrics.length).toBe(6);
  });

  it('returns the nginx workloads of seed 002 and the Rollout pods', async () => {
    const nginx = await query('component:default/test-service');
    const pods = nginx.items[0].resources.find(
      (r: any) => r.type === 'pods',
    ).resources;
    expect(pods).toHaveLength(8);
    expect(nginx.items[0].errors).toEqual([]);

    const ro = await query('component:default/my-app-rollout');
    expect(ro.items[0].errors).toEqual([]);
    const byType = Object.fromEntries(
      ro.items[0].resources.map((r: any) => [r.type, r.resources]),
    );
    // 4 stable pods behind my-app-active, 2 preview pods of the paused revision.
    expect(byType.pods).toHaveLength(6);
    expect(byType.services.map((s: any) => s.metadata.name).sort()).toEqual([]);
    // The seed's Rollout carries no labels, so a label-selected custom resource query finds none;
    // the rollouts list itself answers without error.
    expect(byType.customresources).toEqual([]);
  });

  it('answers the deprecated /services/:serviceId endpoint too', async () => {
    const r = await fetch(`${base}/api/kubernetes/services/my-app`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ entity: entities[0] }),
    });
    const body: any = await r.json();
    expect(body.items[0].errors).toEqual([]);
    expect(
      body.items[0].resources.find((x: any) => x.type === 'deployments')
        .resources,
    ).toHaveLength(2);
  });
});
