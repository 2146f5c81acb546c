import {
  kubernetesConfig,
  startSandbox,
  Sandbox,
} from '@bluegreen-backstage/kube-sandbox';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  clusterWideReads,
  createObjects,
  mergePatch,
  serviceSelectorManifests,
  writeComponents,
} from '../__testUtils__/fleet';
import {
  expectStatus,
  startWorld,
  users,
  waitFor,
  World,
} from '../__testUtils__/harness';

jest.setTimeout(120_000);

const SHOP = 'component:default/shop';

/**
 * The fleet against two clusters: `sandbox` runs the seeds (the example entities carry no cluster
 * annotation, so the fleet looks for them on both), `east` runs one more service, `shop`, owned by
 * team-payments and annotated with its cluster.
 */
describe('GET /api/blue-green/fleet', () => {
  let world: World;
  let west: Sandbox;
  let east: Sandbox;

  beforeAll(async () => {
    [west, east] = await Promise.all([
      startSandbox({ podReadyDelayMs: 100, traffic: false }),
      startSandbox({ podReadyDelayMs: 100, traffic: false, scenario: 'empty' }),
    ]);
    await createObjects(east, serviceSelectorManifests('shop'));
    const file = join(mkdtempSync(join(tmpdir(), 'fleet-')), 'east.yaml');
    writeComponents(file, [
      { name: 'shop', cluster: 'east', owner: 'team-payments' },
    ]);
    world = await startWorld({
      database: 'sqlite',
      catalogFiles: [file],
      config: { kubernetes: kubernetesConfig({ sandbox: west, east }) },
    });
    await waitFor(
      'every service listed and ready',
      async () => {
        const res = await world.as(users.alice).get('/fleet?refresh=true');
        const rows: any[] = res.body.rows ?? [];
        return (
          rows.length === 5 &&
          rows.every(r => r.colors?.blue.replicas.ready > 0) &&
          res.body
        );
      },
      30_000,
    );
  });

  afterAll(async () => {
    await world?.stop();
    await Promise.all([west?.stop(), east?.stop()]);
  });

  it('lists every blue/green service with its live color, from a few list calls per cluster', async () => {
    // The first call listed each kind once per cluster, whatever the number of entities, then
    // started a watch of each from that list; every later call was answered from the watches.
    for (const cluster of [west, east]) {
      await waitFor('watches open', async () =>
        clusterWideReads(cluster).watches === 6 ? true : undefined,
      );
      expect(clusterWideReads(cluster)).toMatchObject({
        lists: 6,
        watches: 6,
        refusedWatches: 0,
      });
    }
    const since = { west: west.requests.mark(), east: east.requests.mark() };
    const res = await world.as(users.alice).get('/fleet?refresh=true');
    expectStatus(res, 200);
    expect(res.body.partial).toBe(false);
    const rows: any[] = res.body.rows;
    expect(
      rows.map(r => [r.name, r.cluster, r.strategy, r.live, r.status]),
    ).toEqual([
      ['my-app', 'sandbox', 'service-selector', 'blue', 'waiting'],
      ['my-app-mesh', 'sandbox', 'istio', 'blue', 'waiting'],
      ['my-app-rollout', 'sandbox', 'argo-rollouts', 'blue', 'waiting'],
      ['shop', 'east', 'service-selector', 'blue', 'waiting'],
      ['test-pod', 'sandbox', 'service-selector', 'blue', 'waiting'],
    ]);
    const myApp = rows.find(r => r.name === 'my-app');
    expect(myApp).toMatchObject({
      owners: ['group:default/team-checkout'],
      colors: {
        blue: { role: 'live', version: 'v1.0.0' },
        green: { role: 'idle', version: 'v1.1.0' },
      },
      // seed 001: 3 green replicas × (250m, 256Mi)
      idle: {
        color: 'green',
        replicas: 3,
        cpuCores: 0.75,
        memoryBytes: 3 * 256 * 2 ** 20,
      },
      promotable: true,
    });
    // A refresh asks each cluster for one item, to know it still answers; no per-entity get.
    const only = (sandbox: Sandbox, mark: number) =>
      sandbox.requests.list(mark).map(r => `${r.verb} ${r.path}?${r.query}`);
    const oneItem = [expect.stringMatching(/^list \/\S+\?limit=1$/)];
    expect(only(west, since.west)).toEqual(oneItem);
    expect(only(east, since.east)).toEqual(oneItem);

    // A call that is not a refresh asks nothing.
    await world.as(users.bob).get('/fleet');
    expect(only(west, since.west)).toHaveLength(1);
  });

  it('follows a change made outside the plugin without listing the cluster again', async () => {
    const since = east.requests.mark();
    await mergePatch(
      east,
      '/apis/apps/v1/namespaces/default/deployments/shop-green',
      { spec: { replicas: 3 } },
    );
    const shop = await waitFor('the change in the fleet', async () => {
      // Not a refresh: within the cache's lifetime, only the watch can have brought it.
      const res = await world.as(users.alice).get('/fleet');
      const row = res.body.rows.find((r: any) => r.entityRef === SHOP);
      // Ready too: the promote below checks that every green replica is.
      return (
        row?.idle?.replicas === 3 &&
        row.colors?.green.replicas.ready === 3 &&
        row
      );
    });
    expect(shop).toMatchObject({ live: 'blue', idle: { color: 'green' } });
    expect(clusterWideReads(east, since)).toEqual({
      lists: 0,
      probes: 0,
      watches: 0,
      refusedWatches: 0,
    });
  });

  it('answers with the reachable clusters and marks the rows of one that is down', async () => {
    east.faults.set({ kind: 'drop' });
    try {
      const res = await world.as(users.alice).get('/fleet?refresh=true');
      expectStatus(res, 200);
      expect(res.body.partial).toBe(true);
      // Sorted by name.
      expect(res.body.clusters).toEqual([
        expect.objectContaining({
          name: 'east',
          status: 'unavailable',
          error: expect.stringContaining('cluster east'),
        }),
        expect.objectContaining({ name: 'sandbox', status: 'ok' }),
      ]);
      const shop = res.body.rows.find((r: any) => r.entityRef === SHOP);
      expect(shop).toMatchObject({
        cluster: 'east',
        live: 'unknown',
        status: 'unavailable',
      });
      expect(res.body.rows.find((r: any) => r.name === 'my-app').live).toBe(
        'blue',
      );
    } finally {
      east.faults.clear();
    }
  });

  it('lists a cluster that refuses the watch verb on every refresh', async () => {
    // The outage above ended east's watches: the next refresh lists it and tries to watch.
    east.faults.set({ kind: 'error', status: 403, verb: 'watch' });
    try {
      const since = east.requests.mark();
      const first = await world.as(users.alice).get('/fleet?refresh=true');
      expectStatus(first, 200);
      await waitFor('the watches refused', async () =>
        clusterWideReads(east, since).refusedWatches > 0 ? true : undefined,
      );
      const then = east.requests.mark();
      const res = await world.as(users.alice).get('/fleet?refresh=true');
      expect(res.body.partial).toBe(false);
      expect(
        res.body.rows.find((r: any) => r.entityRef === SHOP),
      ).toMatchObject({ live: 'blue', idle: { color: 'green', replicas: 3 } });
      // Listed again, not watched again (the refusal is remembered for a while).
      expect(clusterWideReads(east, then)).toEqual({
        lists: 6,
        probes: 0,
        watches: 0,
        refusedWatches: 0,
      });
    } finally {
      east.faults.clear();
    }
  });

  it('shows the new live color after a promote', async () => {
    const promoted = await world
      .as(users.bob)
      .post('/entities/default/component/shop/promote', { reason: 'v1.1.0' });
    expectStatus(promoted, 200);
    const res = await world.as(users.alice).get('/fleet?refresh=true');
    const shop = res.body.rows.find((r: any) => r.entityRef === SHOP);
    expect(shop).toMatchObject({
      live: 'green',
      idle: { color: 'blue', replicas: 2 },
      lastSwitch: {
        action: 'promote',
        from: 'blue',
        to: 'green',
        actor: users.bob,
        outcome: 'succeeded',
        reason: 'v1.1.0',
      },
    });
  });

  it('scales idle colors down in bulk, checking the permission per entity', async () => {
    const denied = await world
      .as(users.alice)
      .post('/fleet/scale-down', { entityRefs: [SHOP] });
    expectStatus(denied, 200);
    expect(denied.body.results).toEqual([
      expect.objectContaining({ entityRef: SHOP, outcome: 'denied' }),
    ]);

    const res = await world.as(users.bob).post('/fleet/scale-down', {
      entityRefs: [SHOP, 'component:default/my-app-rollout', 'not a ref'],
      reason: 'idle cost',
    });
    expectStatus(res, 200);
    expect(res.body.results).toEqual([
      { entityRef: SHOP, outcome: 'scaled', color: 'blue', replicas: 0 },
      expect.objectContaining({
        entityRef: 'component:default/my-app-rollout',
        outcome: 'refused',
        // It has no cluster annotation and two clusters are configured: the tab cannot tell
        // which one to scale either.
        message: expect.stringContaining('backstage.io/kubernetes-cluster'),
      }),
      expect.objectContaining({ entityRef: 'not a ref', outcome: 'failed' }),
    ]);
    const deployment = await (
      await fetch(
        `${east.url}/apis/apps/v1/namespaces/default/deployments/shop-blue`,
      )
    ).json();
    expect(deployment.spec.replicas).toBe(0);
    const history = await world
      .as(users.bob)
      .get('/entities/default/component/shop/history');
    expect(history.body.items.map((i: any) => [i.action, i.outcome])).toEqual(
      expect.arrayContaining([
        ['scale', 'succeeded'],
        ['scale', 'refused'],
      ]),
    );
    const fleet = await world.as(users.alice).get('/fleet');
    expect(
      fleet.body.rows.find((r: any) => r.entityRef === SHOP).idle.replicas,
    ).toBe(0);
  });

  it('answers 400 for a bad bulk request', async () => {
    const res = await world
      .as(users.bob)
      .post('/fleet/scale-down', { entityRefs: [] });
    expectStatus(res, 400);
    expect(res.body.error.message).toContain('entityRefs');
  });
});
