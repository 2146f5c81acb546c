import { resolvePackagePath } from '@backstage/backend-plugin-api';
import {
  expectStatus,
  startWorld,
  users,
  waitFor,
  World,
} from '../../__testUtils__/harness';
import {
  attributeKey,
  grants,
  PolicyRule,
  rbacAttributes,
  RbacAttributes,
  readManifests,
} from '@bluegreen-backstage/kube-sandbox';

/**
 * The Kubernetes RBAC the plugin ships (plugins/blue-green-backend/manifests/rbac) against what it
 * really sends: every operation of each strategy runs against the sandbox, and every request in
 * the sandbox's log must be granted by the shipped ClusterRole — and the namespaced Role variant,
 * for the requests inside the entity's namespace. The ClusterRole grants nothing no operation used.
 */

jest.setTimeout(240_000);

const RBAC_DIR = resolvePackagePath(
  '@bluegreen-backstage/plugin-blue-green-backend',
  'manifests/rbac',
);

const ENTITIES = {
  'service-selector': 'my-app',
  'argo-rollouts': 'my-app-rollout',
  istio: 'my-app-mesh',
} as const;
type Strategy = keyof typeof ENTITIES;

const path = (strategy: Strategy) =>
  `/entities/default/component/${ENTITIES[strategy]}`;

/** Every operation a user or the plugin's background work performs on one entity. */
async function everyOperation(world: World, strategy: Strategy) {
  const carol = world.as(users.carol);
  const base = path(strategy);
  const ready = () =>
    waitFor(`${strategy} ready`, async () => {
      const res = await carol.get(base);
      expectStatus(res, 200);
      const { blue, green } = res.body.colors;
      return (
        !res.body.inProgress &&
        blue.replicas.ready === blue.replicas.desired &&
        green.replicas.ready === green.replicas.desired &&
        res.body
      );
    });
  const status = await ready();
  for (const read of [
    '/diagnostics',
    '/checklist?phase=pre',
    '/checklist?phase=post',
    '/metrics',
    '/history',
  ]) {
    expectStatus(await carol.get(`${base}${read}`), 200);
  }
  const idle = status.live === 'blue' ? 'green' : 'blue';
  // Argo Rollouts sizes its ReplicaSets itself: the plugin refuses to scale them.
  if (strategy !== 'argo-rollouts') {
    expectStatus(
      await carol.post(`${base}/scale`, {
        color: idle,
        replicas: status.colors[idle].replicas.desired,
      }),
      200,
    );
  }
  // A new version on the idle color (the image the color already runs: nothing restarts).
  const image = status.colors[idle].images[0];
  expectStatus(
    await carol.post(`${base}/deploy`, {
      image,
      version: `rbac-${strategy}`,
      reason: 'rbac',
    }),
    200,
  );
  if (strategy === 'istio') {
    for (const enabled of [true, false]) {
      expectStatus(await carol.post(`${base}/preview-route`, { enabled }), 200);
      expectStatus(
        await carol.post(`${base}/mirror`, { enabled, percent: 10 }),
        200,
      );
    }
  }
  expectStatus(
    await carol.post(`${base}/promote`, {
      force: true,
      reason: 'rbac',
      ...(strategy === 'istio' && { steps: [50, 100] }),
    }),
    200,
  );
  // The scheduled scale-down of the previous color, run by the plugin's background job (Argo
  // Rollouts scales its previous ReplicaSet itself): done once that color wants no replicas and
  // no operation runs.
  if (strategy !== 'argo-rollouts') {
    await waitFor(
      `${strategy}: the previous color scaled down by the plugin`,
      async () => {
        const res = await carol.get(base);
        return (
          !res.body.inProgress &&
          !res.body.scaleDown &&
          res.body.colors[status.live].replicas.desired === 0
        );
      },
      30_000,
    );
  }
  expectStatus(
    await carol.post(`${base}/rollback`, { force: true, reason: 'rbac' }),
    200,
  );
}

/** The fleet page: every blue/green service of the cluster, and a bulk scale-down of idle colors. */
async function fleetOperations(world: World) {
  const carol = world.as(users.carol);
  expectStatus(
    await carol.raw('get', '/api/blue-green/fleet?refresh=true'),
    200,
  );
  const scaled = await carol
    .raw('post', '/api/blue-green/fleet/scale-down')
    .send({
      entityRefs: Object.values(ENTITIES).map(n => `component:default/${n}`),
    });
  expectStatus(scaled, 200);
}

describe('the shipped Kubernetes RBAC grants exactly what the plugin uses', () => {
  let world: World;
  const used = new Map<Strategy | 'fleet', RbacAttributes[]>();
  const clusterRole = readManifests(`${RBAC_DIR}/clusterrole.yaml`).find(
    d => d.kind === 'ClusterRole',
  )!;
  const role = readManifests(`${RBAC_DIR}/role.yaml`).find(
    d => d.kind === 'Role',
  )!;

  beforeAll(async () => {
    const started = await startWorld({
      database: 'sqlite',
      blueGreen: { scaleDown: { enabled: true, delay: '0s' } },
    });
    world = started;
    const record = async (
      key: Strategy | 'fleet',
      operations: () => Promise<void>,
    ) => {
      const mark = world.sandbox.requests.mark();
      await operations();
      used.set(
        key,
        world.sandbox.requests
          .list(mark)
          .map(rbacAttributes)
          .filter((a): a is RbacAttributes => a !== undefined),
      );
    };
    for (const strategy of Object.keys(ENTITIES) as Strategy[]) {
      await record(strategy, () => everyOperation(started, strategy));
    }
    await record('fleet', () => fleetOperations(started));
  });

  afterAll(async () => {
    await world?.stop();
  });

  it.each([...(Object.keys(ENTITIES) as Strategy[]), 'fleet' as const])(
    'the ClusterRole grants every request of %s',
    strategy => {
      const refused = used
        .get(strategy)!
        .filter(a => !grants(clusterRole.rules as PolicyRule[], a))
        .map(attributeKey);
      expect([...new Set(refused)]).toEqual([]);
    },
  );

  it.each(Object.keys(ENTITIES) as Strategy[])(
    'the namespaced Role grants every request of %s inside the namespace',
    strategy => {
      const refused = used
        .get(strategy)!
        .filter(a => a.namespace !== undefined)
        .filter(a => !grants(role.rules as PolicyRule[], a))
        .map(attributeKey);
      expect([...new Set(refused)]).toEqual([]);
    },
  );

  it('the ClusterRole grants nothing the plugin did not use', () => {
    const seen = new Set([...used.values()].flat().map(attributeKey));
    const granted = (clusterRole.rules as PolicyRule[]).flatMap(rule =>
      rule.apiGroups!.flatMap(group =>
        rule.resources!.flatMap(resource =>
          rule.verbs.map(verb =>
            attributeKey({ verb, apiGroup: group, resource }),
          ),
        ),
      ),
    );
    expect(granted.filter(g => !seen.has(g))).toEqual([]);
  });

  it('each strategy stays inside its namespace; only the fleet page lists across namespaces', () => {
    for (const strategy of Object.keys(ENTITIES) as Strategy[]) {
      expect(
        used.get(strategy)!.filter(a => a.namespace === undefined),
      ).toEqual([]);
    }
    expect(used.get('fleet')!.some(a => a.namespace === undefined)).toBe(true);
  });
});

describe('without one of the rights', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld({ database: 'sqlite' });
  });

  afterAll(async () => {
    await world?.stop();
  });

  it('a switch fails with a 503 naming the refused request and the ClusterRole, and changes nothing', async () => {
    const base = path('service-selector');
    const status = await waitFor('my-app ready', async () => {
      const res = await world.as(users.carol).get(base);
      return res.body.promote?.allowed && res.body;
    });
    // What the API server answers a service account whose role lacks `patch services`.
    world.sandbox.faults.set({
      kind: 'error',
      status: 403,
      verb: 'patch',
      resource: 'services',
    });
    try {
      const res = await world
        .as(users.carol)
        .post(`${base}/promote`, { revision: status.revision });
      expectStatus(res, 503);
      expect(res.body.error.message).toMatch(/patch Service my-app/);
      expect(res.body.error.message).toContain('Blue/Green ClusterRole');
    } finally {
      world.sandbox.faults.set([]);
    }
    const after = await world.as(users.carol).get(base);
    expect(after.body.live).toBe(status.live);
  });
});
