import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { CompoundEntityRef, Entity } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import { ConflictError, InputError, NotAllowedError } from '@backstage/errors';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import {
  AuthorizeResult,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  blueGreenScalePermission,
  HistoryEntry,
  WatchStatus,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { KubernetesGateway } from '@bluegreen-backstage/plugin-blue-green-node';
import { readBlueGreenConfig } from '../config';
import { HistoryStore } from '../database/HistoryStore';
import { EntityOperations } from '../operations/EntityOperations';
import { serviceSelectorStrategy } from '../strategies/serviceSelector/serviceSelectorStrategy';
import { StrategyRegistry } from '../strategies/StrategyRegistry';
import {
  FakeKube,
  mergeObjects,
  serviceSelectorObjects,
} from '../__testUtils__/FakeKube';
import { ClusterCache } from './ClusterCache';
import { FleetScaleDown } from './FleetScaleDown';
import { FleetAnswer, FleetService } from './FleetService';
import { FleetInsights } from './insights';
import { FleetPrometheus } from './traffic';

function component(
  name: string,
  annotations: Record<string, string> = {},
  owner = 'team-checkout',
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      namespace: 'default',
      annotations: {
        'blue-green.backstage.io/strategy': 'service-selector',
        ...annotations,
      },
    },
    spec: { owner },
    relations: [{ type: 'ownedBy', targetRef: `group:default/${owner}` }],
  };
}

const alice = mockCredentials.user('user:default/alice');

/**
 * One cluster running three services: `mine` and `theirs` have an idle color to scale down, `empty`
 * has not.
 */
const mineTheirsEmpty = () => ({
  sandbox: new FakeKube(
    'sandbox',
    mergeObjects(
      serviceSelectorObjects('mine'),
      serviceSelectorObjects('theirs'),
      serviceSelectorObjects('empty', { replicas: { blue: 3, green: 0 } }),
    ),
  ),
});

/** The demo policy for alice (team-checkout): she may scale what her team owns. */
const ownersMayScale = createCatalogConditionalDecision(
  blueGreenScalePermission,
  catalogConditions.isEntityOwner({ claims: ['group:default/team-checkout'] }),
);

function setup(options: {
  entities: Entity[];
  clusters: Record<string, FakeKube>;
  facts?: Partial<Awaited<ReturnType<HistoryStore['fleetFacts']>>>;
  insights?: FleetInsights;
  scale?: (ref: CompoundEntityRef) => Promise<unknown>;
  config?: object;
  /** The policy's scale decision for the caller (default: owners may scale). */
  scaleDecision?: () => Promise<PolicyDecision>;
  catalogPageSize?: number;
  prometheus?: FleetPrometheus;
  cacheTtlMs?: number;
}) {
  const catalog = catalogServiceMock({ entities: options.entities });
  const streamEntities = jest.spyOn(catalog, 'streamEntities');
  // What `streamEntities` asks for, page by page.
  const queryEntities = jest.spyOn(catalog, 'queryEntities');
  const gateway = {
    clusterNames: async () => Object.keys(options.clusters),
    // Reached with the plugin's own credentials: shared by every caller.
    readsAreShared: async (name?: string) => name !== undefined,
    client: async (name?: string) => {
      const names = Object.keys(options.clusters);
      const cluster = name ?? (names.length === 1 ? names[0] : undefined);
      if (!cluster || !options.clusters[cluster]) {
        throw new InputError(`cluster "${name}" is not configured`);
      }
      return options.clusters[cluster];
    },
  } as unknown as KubernetesGateway;
  const history = {
    fleetFacts: async () => ({
      lastSwitches: new Map(),
      inProgress: new Map(),
      ...options.facts,
    }),
  } as unknown as HistoryStore;
  const scale = jest.fn(options.scale ?? (async () => ({} as any)));
  const config = readBlueGreenConfig(
    new ConfigReader({
      blueGreen: { fleet: { clusterTimeout: '200ms' }, ...options.config },
    }),
  );
  const permissions = mockServices.permissions.mock({
    authorizeConditional: jest.fn(async () => [
      await (options.scaleDecision ?? (async () => ownersMayScale))(),
    ]) as any,
  });
  const fleet = new FleetService({
    catalog,
    gateway,
    history,
    strategies: new StrategyRegistry(),
    clusters: new ClusterCache({
      gateway,
      logger: mockServices.logger.mock(),
      config: config.fleet,
    }),
    insights: options.insights,
    permissions,
    catalogPageSize: options.catalogPageSize,
    traffic: options.prometheus && {
      prometheus: options.prometheus,
      queries: { rps: 'rps', errorRatio: 'errors' },
    },
    cacheTtlMs: options.cacheTtlMs,
  });
  const scaleDown = new FleetScaleDown({
    fleet,
    operations: { scale } as unknown as EntityOperations,
  });
  return {
    fleet,
    scaleDown,
    streamEntities,
    queryEntities,
    scale,
    permissions,
  };
}

/**
 * The rows as the router writes them (`rowJson`: a kept row from its kept JSON) are the rows of
 * the answer, traffic and scale-down decision included.
 */
function expectWritten(fleet: FleetService, answer: FleetAnswer) {
  expect(answer.rows.map(row => JSON.parse(fleet.rowJson(row)))).toEqual(
    JSON.parse(JSON.stringify(fleet.response(answer).rows)),
  );
}

describe('FleetService', () => {
  it('builds one row per entity from two list calls, whatever the number of entities', async () => {
    const names = Array.from({ length: 25 }, (_, i) => `svc-${i}`);
    const kube = new FakeKube(
      'sandbox',
      mergeObjects(...names.map(n => serviceSelectorObjects(n))),
    );
    const { fleet, streamEntities, queryEntities } = setup({
      entities: names.map(n => component(n)),
      clusters: { sandbox: kube },
      catalogPageSize: 10,
    });

    const result = await fleet.getFleet({ credentials: alice });

    expect(kube.calls.map(c => `${c.verb} ${c.plural}`)).toEqual([
      'list services',
      'list deployments',
    ]);
    // The catalog is asked with the caller's credentials (it filters what the user may read),
    // in pages.
    expect(streamEntities.mock.calls[0][1]).toEqual({ credentials: alice });
    expect(queryEntities).toHaveBeenCalledTimes(3);
    // Without counting them first.
    expect(queryEntities.mock.calls[0][0]).toMatchObject({
      limit: 10,
      totalItems: 'exclude',
    });
    expect(result.partial).toBe(false);
    expect(result.rows).toHaveLength(25);
    expect(result.rows[0]).toMatchObject({
      key: 'component:default/svc-0@sandbox',
      entityRef: 'component:default/svc-0',
      name: 'svc-0',
      owners: ['group:default/team-checkout'],
      strategy: 'service-selector',
      cluster: 'sandbox',
      namespace: 'default',
      live: 'blue',
      colors: {
        blue: { role: 'live', version: 'v1.0.0' },
        green: { role: 'idle', version: 'v1.1.0' },
      },
      // 3 idle replicas × (250m, 256Mi)
      idle: {
        color: 'green',
        replicas: 3,
        cpuCores: 0.75,
        memoryBytes: 3 * 256 * 2 ** 20,
      },
      promotable: true,
      // No checklist status for v1.1.0: not known to be ready.
      status: 'checks-pending',
      problems: [],
      scaleDown: { allowed: true },
    });
    // The owners' condition is applied to the entities of every page.
    expect(result.rows.filter(r => r.scaleDown?.allowed)).toHaveLength(25);
  });

  it('reuses the rows of unchanged entities and objects, and builds again what changed', async () => {
    /** The objects as an API server lists them: each with a uid and a resourceVersion. */
    const versioned = (
      objects: ReturnType<typeof serviceSelectorObjects>,
      version: string,
    ) => {
      for (const list of Object.values(objects)) {
        for (const o of list) {
          o.metadata.uid = `${o.metadata.name}-uid`;
          o.metadata.resourceVersion = version;
        }
      }
      return objects;
    };
    const kube = new FakeKube(
      'sandbox',
      versioned(
        mergeObjects(
          serviceSelectorObjects('my-app'),
          serviceSelectorObjects('shop'),
        ),
        '1',
      ),
    );
    const entities = ['my-app', 'shop'].map(name => {
      const entity = component(name);
      entity.metadata.uid = `${name}-uid`;
      entity.metadata.etag = 'e1';
      return entity;
    });
    const facts = { lastSwitches: new Map<string, HistoryEntry>() };
    const { fleet } = setup({ entities, clusters: { sandbox: kube }, facts });
    const read = jest.spyOn(serviceSelectorStrategy, 'read');
    try {
      const getAnswer = () =>
        fleet.getFleetAnswer({ credentials: alice }, { refresh: true });
      const get = async () => fleet.response(await getAnswer()).rows;
      const first = await get();
      expect(read).toHaveBeenCalledTimes(2);

      // Listed again, nothing changed: the rows are as they were, without reading them again.
      const answer = await getAnswer();
      expect(fleet.response(answer).rows).toEqual(first);
      expectWritten(fleet, answer);
      expect(read).toHaveBeenCalledTimes(2);

      // A new switch in the history: that row is built again and says so; the other is kept.
      facts.lastSwitches = new Map([
        [
          'component:default/shop',
          {
            id: '7',
            entityRef: 'component:default/shop',
            action: 'promote',
            from: 'green',
            to: 'blue',
            actor: 'user:default/alice',
            forced: false,
            outcome: 'succeeded',
            createdAt: '2026-01-01T00:00:00.000Z',
          },
        ],
      ]);
      const switched = await get();
      expect(read).toHaveBeenCalledTimes(3);
      expect(switched.find(r => r.name === 'shop')!.lastSwitch).toMatchObject({
        action: 'promote',
        to: 'blue',
      });
      // Green was just left: a rollback target, not a candidate.
      expect(switched.find(r => r.name === 'shop')!.status).toBe('stable');

      // my-app's green lost a replica (a new resourceVersion): its row is read again, shop's not.
      kube.objects = versioned(
        mergeObjects(
          serviceSelectorObjects('my-app', { ready: { blue: 2, green: 3 } }),
          serviceSelectorObjects('shop'),
        ),
        '1',
      );
      kube.objects.deployments[0].metadata.resourceVersion = '2';
      const degraded = await get();
      expect(read).toHaveBeenCalledTimes(4);
      expect(degraded.find(r => r.name === 'my-app')).toMatchObject({
        status: 'failing',
        colors: { blue: { replicas: { desired: 3, ready: 2 } } },
      });

      // The entity changed in the catalog (a new etag): its row shows it.
      entities[1].metadata = {
        ...entities[1].metadata,
        title: 'The shop',
        etag: 'e2',
      };
      const renamed = await get();
      expect(read).toHaveBeenCalledTimes(5);
      expect(renamed.find(r => r.name === 'shop')!.title).toBe('The shop');
    } finally {
      read.mockRestore();
    }
  });

  it('reuses a cluster listing for a short while, and lists again on refresh', async () => {
    const kube = new FakeKube('sandbox', serviceSelectorObjects('my-app'));
    const { fleet } = setup({
      entities: [component('my-app')],
      clusters: { sandbox: kube },
    });
    await fleet.getFleet({ credentials: alice });
    await fleet.getFleet({ credentials: alice });
    expect(kube.calls).toHaveLength(2);

    kube.objects = serviceSelectorObjects('my-app', { live: 'green' });
    const refreshed = await fleet.getFleet(
      { credentials: alice },
      { refresh: true },
    );
    expect(kube.calls).toHaveLength(4);
    expect(refreshed.rows[0].live).toBe('green');
  });

  it('reuses the traffic answer for cacheTtl, and asks again on refresh, after it, or after a failure', async () => {
    let queries = 0;
    let down = false;
    const prometheus: FleetPrometheus = {
      urlFor: () => 'http://prometheus:9090',
      queryEach: async (_cluster, query, each) => {
        queries++;
        if (down) throw new Error('connection refused');
        const value = query === 'rps' ? 5 + queries : 0.01;
        each({ namespace: 'default', service: 'my-app' }, value);
      },
    };
    const { fleet } = setup({
      entities: [component('my-app')],
      clusters: {
        sandbox: new FakeKube('sandbox', serviceSelectorObjects('my-app')),
      },
      prometheus,
      cacheTtlMs: 1000,
    });
    const get = (options = {}) =>
      fleet.getFleetAnswer({ credentials: alice }, options);
    const first = await get();
    expect(queries).toBe(2);
    expect(first.rows[0].traffic).toEqual({ rps: 6, errorRatio: 0.01 });
    expectWritten(fleet, first);
    const cached = await get();
    expect(queries).toBe(2);
    expect(cached.rows[0].traffic).toEqual({ rps: 6, errorRatio: 0.01 });
    expectWritten(fleet, cached);

    const refreshed = await get({ refresh: true });
    expect(queries).toBe(4);
    expect(refreshed.rows[0].traffic).toEqual({ rps: 8, errorRatio: 0.01 });
    // Kept, with this call's traffic: written with it.
    expect(refreshed.rows[0].memo).toBeDefined();
    expect(fleet.rowJson(refreshed.rows[0])).toContain(
      '"traffic":{"rps":8,"errorRatio":0.01}',
    );
    expectWritten(fleet, refreshed);

    await new Promise(r => setTimeout(r, 1100));
    down = true;
    const failed = await get();
    expect(queries).toBe(6);
    expect(failed.rows[0].traffic).toBeUndefined();
    expect(fleet.rowJson(failed.rows[0])).not.toContain('traffic');
    expectWritten(fleet, failed);
    expect(failed.warnings).toEqual([
      'traffic of cluster sandbox is not shown: connection refused',
    ]);
    // A failed answer is not reused.
    down = false;
    const again = await get();
    expect(queries).toBe(8);
    expect(again.rows[0].traffic).toEqual({ rps: 12, errorRatio: 0.01 });
  });

  it('lists the clusters the last answer needed while the catalog answers, once', async () => {
    const kube = new FakeKube('sandbox', serviceSelectorObjects('my-app'));
    const { fleet, queryEntities } = setup({
      entities: [component('my-app')],
      clusters: { sandbox: kube },
    });
    await fleet.getFleet({ credentials: alice });
    expect(kube.calls).toHaveLength(2);

    const answer = await queryEntities.mock.results[0].value;
    let listedBeforeTheCatalogAnswered = 0;
    queryEntities.mockImplementationOnce(async () => {
      await new Promise(r => setTimeout(r, 50));
      listedBeforeTheCatalogAnswered = kube.calls.length;
      return answer;
    });
    kube.objects = serviceSelectorObjects('my-app', { live: 'green' });
    const refreshed = await fleet.getFleet(
      { credentials: alice },
      { refresh: true },
    );
    expect(listedBeforeTheCatalogAnswered).toBe(4);
    expect(kube.calls).toHaveLength(4);
    expect(refreshed.rows[0].live).toBe('green');
  });

  it.each(['error', 'hang'] as const)(
    'marks the rows of a cluster that fails (%s) and serves the others',
    async down => {
      const west = new FakeKube('west', serviceSelectorObjects('my-app'));
      const east = new FakeKube('east', serviceSelectorObjects('shop'));
      east.down = down;
      const { fleet } = setup({
        entities: [
          component('my-app', { 'backstage.io/kubernetes-cluster': 'west' }),
          component('shop', { 'backstage.io/kubernetes-cluster': 'east' }),
        ],
        clusters: { west, east },
      });

      const result = await fleet.getFleet({ credentials: alice });

      expect(result.partial).toBe(true);
      // Sorted by name.
      expect(result.clusters).toEqual([
        expect.objectContaining({
          name: 'east',
          status: 'unavailable',
          error: expect.stringContaining(
            down === 'hang' ? 'did not answer within 200 ms' : 'ECONNREFUSED',
          ),
        }),
        expect.objectContaining({ name: 'west', status: 'ok' }),
      ]);
      const shop = result.rows.find(r => r.name === 'shop')!;
      expect(shop).toMatchObject({
        cluster: 'east',
        live: 'unknown',
        status: 'unavailable',
      });
      expect(shop.problems[0]).toContain('cluster east is unavailable');
      expect(result.rows.find(r => r.name === 'my-app')!.live).toBe('blue');
    },
  );

  it('finds an entity without a cluster annotation on the clusters that run it', async () => {
    const west = new FakeKube('west', serviceSelectorObjects('my-app'));
    const east = new FakeKube(
      'east',
      mergeObjects(
        serviceSelectorObjects('my-app', { live: 'green' }),
        serviceSelectorObjects('shop'),
      ),
    );
    const { fleet } = setup({
      entities: [component('my-app'), component('lost')],
      clusters: { west, east },
    });
    const result = await fleet.getFleet({ credentials: alice });
    expect(result.rows.map(r => [r.key, r.live, r.status])).toEqual([
      ['component:default/lost@', 'unknown', 'misconfigured'],
      ['component:default/my-app@east', 'green', 'checks-pending'],
      ['component:default/my-app@west', 'blue', 'checks-pending'],
    ]);
  });

  it('shows annotations that need fixing, and a cluster that is not configured, without marking the fleet partial', async () => {
    const { fleet } = setup({
      entities: [
        component('bad', { 'backstage.io/kubernetes-id': 'Not_A_Name' }),
        component('elsewhere', { 'backstage.io/kubernetes-cluster': 'mars' }),
      ],
      clusters: { sandbox: new FakeKube('sandbox') },
    });
    const result = await fleet.getFleet({ credentials: alice });
    expect(result.partial).toBe(false);
    expect(result.rows.map(r => [r.name, r.status])).toEqual([
      ['bad', 'misconfigured'],
      ['elsewhere', 'misconfigured'],
    ]);
    expect(result.rows[0].problems[0]).toContain('Not_A_Name');
  });

  it('adds the last switch, the running operation and the checklist insights', async () => {
    const switched: HistoryEntry = {
      id: '1',
      entityRef: 'component:default/my-app',
      action: 'promote',
      from: 'green',
      to: 'blue',
      actor: 'user:default/alice',
      forced: false,
      outcome: 'succeeded',
      createdAt: '2026-01-01T00:00:00.000Z',
      details: { large: 'not sent' },
    };
    const watch: WatchStatus = {
      id: 'w',
      state: 'running',
      promotedTo: 'blue',
      previous: 'green',
      startedAt: '2026-01-01T00:00:00.000Z',
      endsAt: '2026-01-01T00:05:00.000Z',
      autoRollback: true,
      criteria: [],
    };
    const forEntities = jest.fn(async (refs: string[]) => {
      return new Map(
        refs.map(ref => [
          ref,
          { preDeploy: 'fail' as const, watch, firing: ['5xx > 1 %'] },
        ]),
      );
    });
    const { fleet } = setup({
      entities: [component('my-app')],
      clusters: {
        sandbox: new FakeKube('sandbox', serviceSelectorObjects('my-app')),
      },
      facts: {
        lastSwitches: new Map([[switched.entityRef, switched]]),
      },
      insights: { forEntities },
    });
    const [row] = (await fleet.getFleet({ credentials: alice })).rows;
    expect(forEntities).toHaveBeenCalledWith(['component:default/my-app'], {
      credentials: alice,
    });
    expect(row.lastSwitch).toEqual({
      action: 'promote',
      from: 'green',
      to: 'blue',
      actor: 'user:default/alice',
      outcome: 'succeeded',
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    expect(row).toMatchObject({
      preDeploy: 'fail',
      firing: ['5xx > 1 %'],
      watch: { state: 'running', endsAt: '2026-01-01T00:05:00.000Z' },
      status: 'failing',
    });
    expect((row.watch as any).criteria).toBeUndefined();
  });

  it('shows the fleet without the insights when the checklist engine fails', async () => {
    const { fleet } = setup({
      entities: [component('my-app')],
      clusters: {
        sandbox: new FakeKube('sandbox', serviceSelectorObjects('my-app')),
      },
      insights: {
        forEntities: async () => {
          throw new Error('database is locked');
        },
      },
    });
    const result = await fleet.getFleet({ credentials: alice });
    expect(result.rows[0].preDeploy).toBeUndefined();
    expect(result.warnings).toEqual([
      'checklist status is not shown: database is locked',
    ]);
  });

  it('lists incidents first: failing, rolled back, unreachable, checks failing', async () => {
    const entry = (ref: string, action: HistoryEntry['action']) =>
      ({
        id: ref,
        entityRef: `component:default/${ref}`,
        action,
        from: 'green',
        to: 'blue',
        actor: 'plugin:blue-green',
        forced: false,
        outcome: 'succeeded',
        createdAt: '2026-01-01T00:00:00.000Z',
      } as HistoryEntry);
    const west = new FakeKube(
      'west',
      mergeObjects(
        ...[
          'a-stable',
          'b-ready',
          'c-rolled-back',
          'd-failing',
          'e-checks',
        ].map(n =>
          serviceSelectorObjects(n, {
            versions:
              n === 'a-stable'
                ? { blue: 'v1', green: 'v1' }
                : { blue: 'v1', green: 'v2' },
          }),
        ),
      ),
    );
    const east = new FakeKube('east');
    east.down = 'error';
    const insights: FleetInsights = {
      forEntities: async refs =>
        new Map(
          refs.map(ref => [
            ref,
            {
              preDeploy: ref.endsWith('e-checks') ? 'fail' : 'pass',
              firing: ref.endsWith('d-failing') ? ['5xx ratio'] : undefined,
            },
          ]),
        ),
    };
    const on = (cluster: string) => ({
      'backstage.io/kubernetes-cluster': cluster,
    });
    const { fleet } = setup({
      entities: [
        ...[
          'a-stable',
          'b-ready',
          'c-rolled-back',
          'd-failing',
          'e-checks',
        ].map(n => component(n, on('west'))),
        component('f-unreachable', on('east')),
      ],
      clusters: { west, east },
      facts: {
        lastSwitches: new Map([
          [
            'component:default/c-rolled-back',
            entry('c-rolled-back', 'auto-rollback'),
          ],
        ]),
      },
      insights,
    });
    const result = await fleet.getFleet({ credentials: alice });
    expect(result.rows.map(r => [r.name, r.status])).toEqual([
      ['d-failing', 'failing'],
      ['c-rolled-back', 'rolled-back'],
      ['f-unreachable', 'unavailable'],
      ['e-checks', 'checks-failing'],
      ['b-ready', 'waiting'],
      ['a-stable', 'stable'],
    ]);
  });

  it('says for each row whether the caller may scale its idle color down, from one permission decision', async () => {
    const { fleet, permissions } = setup({
      entities: [
        component('mine'),
        component('theirs', {}, 'team-payments'),
        component('empty'),
      ],
      clusters: mineTheirsEmpty(),
      // One entity per page: each is decided while its page is in hand.
      catalogPageSize: 1,
    });
    const answer = await fleet.getFleetAnswer({ credentials: alice });
    expectWritten(fleet, answer);
    const result = fleet.response(answer);
    const scaleDown = Object.fromEntries(
      result.rows.map(r => [r.name, r.scaleDown]),
    );
    expect(scaleDown).toEqual({
      mine: { allowed: true },
      theirs: {
        allowed: false,
        outcome: 'denied',
        reason:
          'you may not scale component:default/theirs (permission blue-green.scale); its owners may: team-payments',
      },
      empty: {
        allowed: false,
        outcome: 'skipped',
        reason: 'green already runs 0 replica(s)',
      },
    });
    expect(permissions.authorizeConditional).toHaveBeenCalledTimes(1);
    expect(permissions.authorize).not.toHaveBeenCalled();
  });

  it('asks the permission backend once for the rows it alone can decide (a rule of the running catalog)', async () => {
    const { fleet, permissions } = setup({
      entities: [component('mine'), component('theirs'), component('empty')],
      clusters: mineTheirsEmpty(),
      catalogPageSize: 1,
      scaleDecision: async () => ({
        result: AuthorizeResult.CONDITIONAL,
        pluginId: 'catalog',
        resourceType: 'catalog-entity',
        conditions: {
          rule: 'IS_IN_OUR_CMDB',
          resourceType: 'catalog-entity',
          params: {},
        },
      }),
    });
    permissions.authorize.mockImplementation(async requests =>
      requests.map(r => ({
        result:
          'resourceRef' in r && r.resourceRef === 'component:default/mine'
            ? AuthorizeResult.ALLOW
            : AuthorizeResult.DENY,
      })),
    );
    const result = await fleet.getFleet({ credentials: alice });
    expect(
      Object.fromEntries(
        result.rows.map(r => [
          r.name,
          r.scaleDown?.allowed ? 'allowed' : r.scaleDown?.outcome,
        ]),
      ),
    ).toEqual({ mine: 'allowed', theirs: 'denied', empty: 'skipped' });
    // Only the rows with something to scale, in one request.
    expect(permissions.authorize).toHaveBeenCalledTimes(1);
    expect(
      permissions.authorize.mock.calls[0][0].map(r =>
        'resourceRef' in r ? r.resourceRef : undefined,
      ),
    ).toEqual(['component:default/mine', 'component:default/theirs']);
  });

  it('answers the catalog error when the catalog fails while the permission decision is pending', async () => {
    const { fleet, queryEntities } = setup({
      entities: [component('mine')],
      clusters: {
        sandbox: new FakeKube('sandbox', serviceSelectorObjects('mine')),
      },
      scaleDecision: async () => {
        await new Promise(r => setTimeout(r, 50));
        return ownersMayScale;
      },
    });
    queryEntities.mockRejectedValueOnce(new Error('catalog unavailable'));
    await expect(fleet.getFleet({ credentials: alice })).rejects.toThrow(
      'catalog unavailable',
    );
  });

  it('shows the fleet without scale-down decisions when the permission backend fails', async () => {
    const { fleet } = setup({
      entities: [component('mine')],
      clusters: {
        sandbox: new FakeKube('sandbox', serviceSelectorObjects('mine')),
      },
      scaleDecision: async () => {
        throw new Error('permission backend unavailable');
      },
    });
    const result = await fleet.getFleet({ credentials: alice });
    expect(result.rows[0].scaleDown).toBeUndefined();
    expect(result.warnings).toEqual([
      'who may scale down is not shown: permission backend unavailable',
    ]);
  });

  it('lists a cluster again after a change written to it through the plugin, not after a sign-off', async () => {
    const kube = new FakeKube('sandbox', serviceSelectorObjects('my-app'));
    const { fleet } = setup({
      entities: [component('my-app')],
      clusters: { sandbox: kube },
    });
    await fleet.getFleet({ credentials: alice });
    expect(kube.calls).toHaveLength(2);
    const entry = (action: HistoryEntry['action']): HistoryEntry => ({
      id: '1',
      entityRef: 'component:default/my-app',
      action,
      actor: 'user:default/alice',
      forced: false,
      outcome: 'succeeded',
      createdAt: '2026-01-01T00:00:00.000Z',
    });

    fleet.changed('component:default/my-app', { entry: entry('sign-off') });
    fleet.changed('component:default/my-app', { watchId: 'w' });
    await fleet.getFleet({ credentials: alice });
    expect(kube.calls).toHaveLength(2);

    kube.objects = serviceSelectorObjects('my-app', { live: 'green' });
    fleet.changed('component:default/my-app', { entry: entry('promote') });
    const result = await fleet.getFleet({ credentials: alice });
    expect(kube.calls).toHaveLength(4);
    expect(result.rows[0].live).toBe('green');
  });

  it('answers a dry run from the same decisions, without scaling', async () => {
    const { scaleDown, scale } = setup({
      entities: [
        component('mine'),
        component('theirs', {}, 'team-payments'),
        component('empty'),
      ],
      clusters: mineTheirsEmpty(),
    });
    const response = await scaleDown.scaleDown(
      {
        entityRefs: [
          'component:default/mine',
          'component:default/theirs',
          'component:default/empty',
        ],
        dryRun: true,
      },
      { credentials: alice },
    );
    expect(response).toEqual({
      dryRun: true,
      results: [
        {
          entityRef: 'component:default/mine',
          outcome: 'scaled',
          color: 'green',
          replicas: 0,
        },
        {
          entityRef: 'component:default/theirs',
          outcome: 'denied',
          color: 'green',
          message:
            'you may not scale component:default/theirs (permission blue-green.scale); its owners may: team-payments',
        },
        {
          entityRef: 'component:default/empty',
          outcome: 'skipped',
          color: 'green',
          replicas: 0,
          message: 'green already runs 0 replica(s)',
        },
      ],
    });
    expect(scale).not.toHaveBeenCalled();
  });

  it('scales down idle colors through the scale path, one result per entity', async () => {
    const objects = mergeObjects(
      serviceSelectorObjects('a'),
      serviceSelectorObjects('b'),
      serviceSelectorObjects('c', { replicas: { blue: 3, green: 0 } }),
      serviceSelectorObjects('d', { live: 'green' }),
    );
    const { scaleDown, scale } = setup({
      entities: ['a', 'b', 'c', 'd'].map(n => component(n)),
      clusters: { sandbox: new FakeKube('sandbox', objects) },
      scale: async ref => {
        if (ref.name === 'b') throw new NotAllowedError('alice may not scale');
        if (ref.name === 'd') throw new ConflictError('green is live');
        return {} as any;
      },
    });
    const caller = { credentials: alice };
    const { results } = await scaleDown.scaleDown(
      {
        entityRefs: [
          'component:default/a',
          'component:default/b',
          'component:default/c',
          'component:default/d',
          'component:default/nope',
        ],
      },
      caller,
    );
    expect(results).toEqual([
      {
        entityRef: 'component:default/a',
        outcome: 'scaled',
        color: 'green',
        replicas: 0,
      },
      {
        entityRef: 'component:default/b',
        outcome: 'denied',
        color: 'green',
        message: 'alice may not scale',
      },
      {
        entityRef: 'component:default/c',
        outcome: 'skipped',
        color: 'green',
        replicas: 0,
        message: 'green already runs 0 replica(s)',
      },
      {
        entityRef: 'component:default/d',
        outcome: 'refused',
        color: 'blue',
        message: 'green is live',
      },
      {
        entityRef: 'component:default/nope',
        outcome: 'failed',
        message:
          'component:default/nope is not a blue/green entity you can see',
      },
    ]);
    expect(scale).toHaveBeenCalledWith(
      { kind: 'component', namespace: 'default', name: 'a' },
      {
        color: 'green',
        replicas: 0,
        reason: 'fleet: scale down the idle color (cost)',
      },
      caller,
    );
  });
});
