import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  Color,
  COLORS,
  otherColor,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  blueGreenStrategiesExtensionPoint,
  KUBE_RESOURCES,
  SwitchStrategy,
} from '@bluegreen-backstage/plugin-blue-green-node';
import request from 'supertest';
import { kubernetesModuleBlueGreen } from '../kubernetesModule';
import { blueGreenPlugin } from '../plugin';

jest.setTimeout(60_000);

/**
 * A fourth strategy, as a cloud load balancer would be one: traffic goes to one of two target
 * groups. Its state lives in memory here; it never touches the Kubernetes cluster.
 */
function loadBalancerStrategy(lb: { live: Color; writes: number }) {
  const strategy: SwitchStrategy = {
    name: 'test-load-balancer',
    capabilities: {
      steppedShift: false,
      fullPromote: false,
      previewRoute: false,
      mirror: false,
      scale: false,
      managesScaleDown: true,
      rollbackNeedsReadyTarget: false,
    },
    fleetLists: [],
    switchedObject: target => ({
      resource: KUBE_RESOURCES.services,
      namespace: target.namespace,
      name: target.service,
    }),
    // The listener's tags say which entity it belongs to, as the annotation does on a cluster object.
    entityObjects: target => [
      {
        kind: 'Listener',
        namespace: target.namespace,
        name: target.service,
        object: {
          metadata: {
            name: target.service,
            annotations: {
              'blue-green.backstage.io/entity': 'component:default/shop',
            },
          },
        },
      },
    ],
    liveService: target => target.service,
    metricGroup: () => ({
      label: 'target-group',
      colorOf: value => COLORS.find(c => c === value),
    }),
    async read(_kube, target) {
      const colors = Object.fromEntries(
        COLORS.map(c => [
          c,
          {
            color: c,
            role: lb.live === c ? 'live' : 'idle',
            weight: lb.live === c ? 100 : 0,
            workload: { kind: 'Deployment', name: `${target.name}-${c}` },
            version: c === 'blue' ? '1.0' : '1.1',
            images: [],
            replicas: { desired: 2, ready: 2, available: 2 },
            pods: [],
          },
        ]),
      ) as any;
      return {
        objects: {},
        live: lb.live,
        colors,
        details: { strategy: 'test-load-balancer', listener: 'https' },
        facts: [{ label: 'listener', value: `https → ${lb.live}` }],
        problems: [],
        raw: { templates: {}, pods: { blue: [], green: [] } },
        state: { live: lb.live },
      };
    },
    refusals: () => [],
    async switchTo(_kube, _target, snapshot, plan, sent) {
      if (snapshot.live !== otherColor(plan.to)) throw new Error('moved');
      lb.live = plan.to;
      lb.writes++;
      sent.push({ description: `listener → ${plan.to}`, patch: {} });
    },
    verify: async (_kube, _target, _snapshot, to) => ({
      verified: lb.live === to,
      message: `listener sends to ${lb.live}`,
    }),
  };
  return strategy;
}

const entity = (name: string, strategy: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    annotations: {
      'blue-green.backstage.io/strategy': strategy,
      'backstage.io/kubernetes-cluster': 'edge',
      'backstage.io/kubernetes-id': 'shop',
    },
  },
  spec: { owner: 'group:default/team' },
});

describe('blueGreenStrategiesExtensionPoint', () => {
  it('makes a strategy added by a backend module usable end to end: status, promote, history, fleet', async () => {
    const lb = { live: 'blue' as Color, writes: 0 };
    const module = createBackendModule({
      pluginId: 'blue-green',
      moduleId: 'test-load-balancer',
      register(env) {
        env.registerInit({
          deps: { strategies: blueGreenStrategiesExtensionPoint },
          async init({ strategies }) {
            strategies.addStrategy(loadBalancerStrategy(lb));
          },
        });
      },
    });
    const { server } = await startTestBackend({
      features: [
        blueGreenPlugin,
        module,
        import('@backstage/plugin-kubernetes-backend'),
        kubernetesModuleBlueGreen,
        catalogServiceMock.factory({
          entities: [
            entity('shop', 'test-load-balancer'),
            entity('intruder', 'test-load-balancer'),
            entity('typo', 'test-load-balancr'),
          ],
        }),
        mockServices.rootConfig.factory({
          data: {
            kubernetes: {
              serviceLocatorMethod: { type: 'multiTenant' },
              clusterLocatorMethods: [
                {
                  type: 'config',
                  clusters: [
                    {
                      name: 'edge',
                      url: 'http://127.0.0.1:1',
                      authProvider: 'serviceAccount',
                      serviceAccountToken: 'unused',
                      skipTLSVerify: true,
                    },
                  ],
                },
              ],
            },
            blueGreen: {
              checks: { requiredForPromote: false },
              watch: { enabled: false },
              switch: { verifyTimeout: '1s' },
            },
          },
        }),
      ],
    });
    const api = (path: string) => `/api/blue-green${path}`;
    const as = (test: request.Test) =>
      test.set('Authorization', mockCredentials.user.header());

    const status = await as(
      request(server).get(api('/entities/default/component/shop')),
    );
    expect([status.status, status.body.error?.message]).toEqual([
      200,
      undefined,
    ]);
    expect(status.body).toMatchObject({
      strategy: 'test-load-balancer',
      capabilities: {
        steppedShift: false,
        scale: false,
        managesScaleDown: true,
      },
      facts: [{ label: 'listener', value: 'https → blue' }],
      live: 'blue',
      promote: { allowed: true, target: 'green' },
    });

    const promoted = await as(
      request(server)
        .post(api('/entities/default/component/shop/promote'))
        .send({ revision: status.body.revision, reason: 'release 1.1' }),
    );
    expect(promoted.status).toBe(200);
    expect(lb).toEqual({ live: 'green', writes: 1 });
    expect(promoted.body).toMatchObject({
      entry: {
        action: 'promote',
        from: 'blue',
        to: 'green',
        outcome: 'succeeded',
      },
      verification: { verified: true, message: 'listener sends to green' },
      status: { live: 'green', strategy: 'test-load-balancer' },
    });

    // Another entity pointing at the same listener may not switch it: its tags name shop.
    const intruder = await as(
      request(server)
        .post(api('/entities/default/component/intruder/rollback'))
        .send({ force: true }),
    );
    expect([intruder.status, intruder.body.error.message]).toEqual([
      403,
      expect.stringContaining(
        'Listener default/shop belongs to component:default/shop, not to component:default/intruder',
      ),
    ]);
    expect(lb.writes).toBe(1);

    // What the strategy cannot do is refused up front, naming who can.
    const steps = await as(
      request(server)
        .post(api('/entities/default/component/shop/rollback'))
        .send({ steps: [50, 100] }),
    );
    expect(steps.status).toBe(400);
    expect(steps.body.error.message).toBe(
      'steps needs a strategy that can shift traffic in steps (istio); component:default/shop uses test-load-balancer',
    );
    const scale = await as(
      request(server)
        .post(api('/entities/default/component/shop/scale'))
        .send({ color: 'blue', replicas: 0 }),
    );
    expect(scale.status).toBe(400);
    expect(lb.writes).toBe(1);

    // A misspelt strategy is refused, naming the one the module added.
    const typo = await as(
      request(server).get(api('/entities/default/component/typo')),
    );
    expect(typo.status).toBe(400);
    expect(typo.body.error.message).toContain(
      'it must be service-selector, argo-rollouts, istio or test-load-balancer',
    );

    const history = await as(
      request(server).get(api('/entities/default/component/shop/history')),
    );
    expect(history.body.items.map((e: any) => e.action)).toEqual(['promote']);

    const fleet = await as(request(server).get(api('/fleet')));
    expect(fleet.status).toBe(200);
    // The fleet lists the entities of every strategy it knows, the added one too.
    expect(
      fleet.body.rows.map((r: any) => [r.name, r.strategy, r.live, r.status]),
    ).toEqual([
      ['intruder', 'test-load-balancer', 'green', 'waiting'],
      ['shop', 'test-load-balancer', 'green', 'stable'],
    ]);
  });
});
