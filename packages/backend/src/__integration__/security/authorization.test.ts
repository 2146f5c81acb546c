import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import {
  DATABASES,
  expectStatus,
  startWorld,
  users,
  waitFor,
  World,
} from '../../__testUtils__/harness';
import {
  anonymous,
  BASE,
  mountedRoutes,
  writeAnnotatedComponents,
  writesSince,
} from '../../__testUtils__/security';

/**
 * The authorization matrix (issue 8): every endpoint × {anonymous, another team, the owner, the
 * platform team} → the expected status, with the real permission backend and the demo policy
 * (packages/backend/src/modules/permissionPolicy.ts). A denied request writes nothing to the
 * cluster — read off the sandbox's request log — and an allowed write really wrote.
 *
 * Besides every route, the trust boundary's rows (issue 17): entities of one team whose
 * annotations point at another team's objects (each strategy), the Kubernetes plugin's proxy,
 * a rollback to a color that was never live, and a replayed revision token.
 */

jest.setTimeout(180_000);

const ROLES = ['anonymous', 'other team', 'owner', 'platform'] as const;
type Role = (typeof ROLES)[number];

const MY_APP = '/entities/default/component/my-app';
const MESH = '/entities/default/component/my-app-mesh';
const MY_APP_SERVICE = '/api/v1/namespaces/default/services/my-app';

/**
 * Entities registered by one team with annotations naming the other team's objects, one per
 * strategy: what any team can do in a portal that reads catalog-info.yaml from Git.
 */
const HIJACKS = [
  {
    name: 'hijack-selector',
    owner: 'team-payments',
    annotations: {
      'backstage.io/kubernetes-id': 'my-app',
      'backstage.io/kubernetes-namespace': 'default',
      'blue-green.backstage.io/strategy': 'service-selector',
    },
  },
  {
    name: 'hijack-rollout',
    owner: 'team-checkout',
    annotations: {
      'backstage.io/kubernetes-id': 'my-app',
      'backstage.io/kubernetes-namespace': 'rollouts-demo',
      'blue-green.backstage.io/strategy': 'argo-rollouts',
    },
  },
  {
    name: 'hijack-mesh',
    owner: 'team-checkout',
    annotations: {
      'backstage.io/kubernetes-id': 'my-app',
      'backstage.io/kubernetes-namespace': 'istio-demo',
      'blue-green.backstage.io/strategy': 'istio',
    },
  },
] as const;

type EntityName = 'my-app' | 'my-app-mesh' | (typeof HIJACKS)[number]['name'];

const CHECKOUT_OWNS: Record<Role, string | undefined> = {
  anonymous: undefined,
  'other team': users.bob,
  owner: users.alice,
  platform: users.carol,
};
const PAYMENTS_OWNS: Record<Role, string | undefined> = {
  anonymous: undefined,
  'other team': users.alice,
  owner: users.bob,
  platform: users.carol,
};

/**
 * Who plays each role: team-checkout's (alice) are my-app and the hijacks of team-payments'
 * objects; team-payments' (bob) are my-app-mesh and the hijack of team-checkout's Service.
 */
const PLAYERS: Record<EntityName, Record<Role, string | undefined>> = {
  'my-app': CHECKOUT_OWNS,
  'my-app-mesh': PAYMENTS_OWNS,
  'hijack-selector': PAYMENTS_OWNS,
  'hijack-rollout': CHECKOUT_OWNS,
  'hijack-mesh': CHECKOUT_OWNS,
};

type Row = {
  /** `METHOD /route` as mounted, for the coverage check; absent for another plugin's route. */
  route?: string;
  title: string;
  method: 'get' | 'post' | 'delete' | 'patch';
  /** Under the plugin's base path, unless `absolute`. */
  path: string;
  absolute?: boolean;
  headers?: Record<string, string>;
  body?: object | string;
  entity?: EntityName;
  /** Status per role; a string is a fleet scale-down outcome (the request itself answers 200). */
  expect: Record<Role, number | string>;
  /** What an allowed call writes: cluster objects, or only the plugin's database. */
  writes?: 'cluster' | 'database';
  /** What the owner's and the platform's refusal says, when the row refuses them. */
  refusal?: string;
  /** Before each role's call, e.g. a sign-off to withdraw. */
  setup?: (world: World) => Promise<void>;
  /** After an allowed write, back to the state the next role expects. */
  restore?: (world: World) => Promise<void>;
};

const READ = { anonymous: 401, 'other team': 200, owner: 200, platform: 200 };
const WRITE = { anonymous: 401, 'other team': 403, owner: 200, platform: 200 };
const ENTITY = '/entities/:namespace/:kind/:name';
const ACTIONS_V1 = '/.backstage/actions/v1/actions/:actionId/invoke';
const ACTIONS_V2 = '/.backstage/actions/v2/actions/:actionId/invoke';

async function deployment(world: World, name: string) {
  return world.kube(`/apis/apps/v1/namespaces/default/deployments/${name}`);
}

async function readyAgain(world: World) {
  await waitFor('my-app ready again', async () => {
    const res = await world.as(users.carol).get(MY_APP);
    const { blue, green } = res.body.colors ?? {};
    return (
      res.body.live === 'blue' &&
      blue?.replicas.ready === blue?.replicas.desired &&
      green?.replicas.ready === 3 &&
      green?.replicas.desired === 3
    );
  });
}

let release = 0;

/**
 * Back to blue, both colors at full strength. A rollback marks green's version failed, so green
 * gets a new version that may be promoted again.
 */
async function backToBlue(world: World) {
  const status = await world.as(users.carol).get(MY_APP);
  if (status.body.live !== 'blue') {
    expectStatus(await world.as(users.carol).post(`${MY_APP}/rollback`), 200);
  }
  await newGreenIfFailed(world);
  await readyAgain(world);
}

/** Green gets a new version when its current one was rolled back (and so may not be promoted). */
async function newGreenIfFailed(world: World) {
  const after = await world.as(users.carol).get(MY_APP);
  if (after.body.failedVersion) {
    release++;
    expectStatus(
      await world
        .as(users.carol)
        .post(`${MY_APP}/deploy`, { image: `my-app:1.1.${release}` }),
      200,
    );
    await waitFor(`green runs 1.1.${release}`, async () => {
      const res = await world.as(users.carol).get(MY_APP);
      return !res.body.failedVersion && res.body.promote?.allowed;
    });
  }
}

/** Green promoted (by the platform), so that rollback has blue to go back to. */
async function promotedGreen(world: World) {
  const status = await world.as(users.carol).get(MY_APP);
  if (status.body.live === 'blue') {
    await newGreenIfFailed(world);
    expectStatus(await world.as(users.carol).post(`${MY_APP}/promote`), 200);
  }
}

async function greenAt3(world: World) {
  expectStatus(
    await world
      .as(users.carol)
      .post(`${MY_APP}/scale`, { color: 'green', replicas: 3 }),
    200,
  );
  await readyAgain(world);
}

/** The token of a point in history that A → B → A left behind, for the replay row. */
const replayed = { revision: '' };

const invoke = (version: 1 | 2, action: string, input: object) => ({
  path: `/.backstage/actions/v${version}/actions/blue-green:${action}/invoke`,
  body: version === 1 ? input : { input },
});

const ROWS: Row[] = [
  {
    route: 'GET /health',
    title: 'GET /health',
    method: 'get',
    path: '/health',
    expect: { anonymous: 200, 'other team': 200, owner: 200, platform: 200 },
  },
  ...(
    [
      ['', ENTITY],
      ['/diagnostics', `${ENTITY}/diagnostics`],
      ['/checklist?phase=pre', `${ENTITY}/checklist`],
      ['/metrics', `${ENTITY}/metrics`],
      ['/monitoring/prometheus-rules', `${ENTITY}/monitoring/prometheus-rules`],
      [
        '/monitoring/grafana-dashboard',
        `${ENTITY}/monitoring/grafana-dashboard`,
      ],
      ['/history', `${ENTITY}/history`],
    ] as const
  ).map(
    ([suffix, route]): Row => ({
      route: `GET ${route}`,
      title: `GET …${suffix || '/:name'}`,
      method: 'get',
      path: `${MY_APP}${suffix}`,
      expect: READ,
    }),
  ),
  {
    route: `POST ${ENTITY}/promote`,
    title: 'POST …/promote',
    method: 'post',
    path: `${MY_APP}/promote`,
    body: { reason: 'matrix' },
    expect: WRITE,
    writes: 'cluster',
    restore: backToBlue,
  },
  {
    route: `POST ${ENTITY}/promote`,
    title: 'POST …/promote {force: true}',
    method: 'post',
    path: `${MY_APP}/promote`,
    body: { force: true, reason: 'matrix' },
    expect: { ...WRITE, owner: 403 },
    writes: 'cluster',
    restore: backToBlue,
  },
  {
    route: `POST ${ENTITY}/promote`,
    title: 'POST …/promote {revision: stale}',
    method: 'post',
    path: `${MY_APP}/promote`,
    body: { revision: 'stale' },
    // The permission is decided before the compare-and-swap: another team learns nothing.
    expect: { ...WRITE, owner: 409, platform: 409 },
  },
  {
    route: `POST ${ENTITY}/rollback`,
    title: 'POST …/rollback',
    method: 'post',
    path: `${MY_APP}/rollback`,
    body: { reason: 'matrix' },
    expect: WRITE,
    writes: 'cluster',
    setup: promotedGreen,
    // The rollback marked green's version failed: the next role's setup needs a new one.
    restore: backToBlue,
  },
  {
    route: `POST ${ENTITY}/rollback`,
    title: 'POST …/rollback to a color that was never live (Istio)',
    method: 'post',
    path: `${MESH}/rollback`,
    entity: 'my-app-mesh',
    body: { reason: 'matrix' },
    expect: { ...WRITE, owner: 409, platform: 409 },
    refusal: 'was never live',
  },
  {
    route: `POST ${ENTITY}/promote`,
    title: 'POST …/promote {revision: replayed after A → B → A}',
    method: 'post',
    path: `${MY_APP}/promote`,
    body: replayed,
    expect: { ...WRITE, owner: 409, platform: 409 },
    refusal: 'the live state changed since revision',
    setup: async world => {
      if (replayed.revision) return;
      replayed.revision = (
        await world.as(users.carol).get(MY_APP)
      ).body.revision;
      await promotedGreen(world);
      await backToBlue(world);
    },
  },
  ...HIJACKS.map(
    (hijack): Row => ({
      route: `POST ${ENTITY}/promote`,
      title: `POST …/promote of a ${hijack.owner} entity on the other team's ${hijack.annotations['blue-green.backstage.io/strategy']} objects`,
      method: 'post',
      path: `/entities/default/component/${hijack.name}/promote`,
      entity: hijack.name,
      body: { reason: 'matrix' },
      // Owner and platform alike: the objects name the entity they belong to, and it is another.
      expect: { ...WRITE, owner: 403, platform: 403 },
      refusal: `, not to component:default/${hijack.name} (annotation blue-green.backstage.io/entity)`,
    }),
  ),
  {
    title: "PATCH /api/kubernetes/proxy (my-app's Service)",
    method: 'patch',
    path: `/api/kubernetes/proxy${MY_APP_SERVICE}`,
    absolute: true,
    headers: {
      'Backstage-Kubernetes-Cluster': 'sandbox',
      'Content-Type': 'application/merge-patch+json',
    },
    body: JSON.stringify({
      metadata: { annotations: { 'matrix/proxy': 'patched' } },
    }),
    // Raw cluster access is the platform group's alone; owners switch through the plugin.
    expect: { anonymous: 401, 'other team': 403, owner: 403, platform: 200 },
    writes: 'cluster',
    restore: async world => {
      await world.kube(MY_APP_SERVICE, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/merge-patch+json' },
        body: JSON.stringify({
          metadata: { annotations: { 'matrix/proxy': null } },
        }),
      });
    },
  },
  {
    route: `POST ${ENTITY}/scale`,
    title: 'POST …/scale',
    method: 'post',
    path: `${MY_APP}/scale`,
    body: { color: 'green', replicas: 2 },
    expect: WRITE,
    writes: 'cluster',
    restore: greenAt3,
  },
  {
    route: `POST ${ENTITY}/deploy`,
    title: 'POST …/deploy',
    method: 'post',
    path: `${MY_APP}/deploy`,
    body: { image: 'my-app:1.1.0', reason: 'matrix' },
    expect: WRITE,
    writes: 'cluster',
    restore: readyAgain,
  },
  {
    route: `POST ${ENTITY}/shift/cancel`,
    title: 'POST …/shift/cancel (Istio)',
    method: 'post',
    path: `${MESH}/shift/cancel`,
    entity: 'my-app-mesh',
    body: { reason: 'matrix' },
    // The permission is decided first: with no shift running, who may cancel learns that.
    expect: { ...WRITE, owner: 409, platform: 409 },
  },
  {
    route: `POST ${ENTITY}/preview-route`,
    title: 'POST …/preview-route (Istio)',
    method: 'post',
    path: `${MESH}/preview-route`,
    entity: 'my-app-mesh',
    body: { enabled: true },
    expect: WRITE,
    writes: 'cluster',
    restore: async world => {
      expectStatus(
        await world
          .as(users.carol)
          .post(`${MESH}/preview-route`, { enabled: false }),
        200,
      );
    },
  },
  {
    route: `POST ${ENTITY}/mirror`,
    title: 'POST …/mirror (Istio)',
    method: 'post',
    path: `${MESH}/mirror`,
    entity: 'my-app-mesh',
    body: { enabled: true, percent: 10 },
    expect: WRITE,
    writes: 'cluster',
    restore: async world => {
      expectStatus(
        await world.as(users.carol).post(`${MESH}/mirror`, { enabled: false }),
        200,
      );
    },
  },
  {
    route: `POST ${ENTITY}/checklist/:itemId/sign-off`,
    title: 'POST …/checklist/:itemId/sign-off',
    method: 'post',
    path: `${MY_APP}/checklist/smoke-test/sign-off`,
    body: { note: 'matrix' },
    expect: WRITE,
    writes: 'database',
    restore: async world => {
      expectStatus(
        await world
          .as(users.carol)
          .raw('delete', `${BASE}${MY_APP}/checklist/smoke-test/sign-off`),
        200,
      );
    },
  },
  {
    route: `DELETE ${ENTITY}/checklist/:itemId/sign-off`,
    title: 'DELETE …/checklist/:itemId/sign-off',
    method: 'delete',
    path: `${MY_APP}/checklist/smoke-test/sign-off`,
    expect: WRITE,
    writes: 'database',
    setup: async world => {
      expectStatus(
        await world
          .as(users.carol)
          .post(`${MY_APP}/checklist/smoke-test/sign-off`, { note: 'setup' }),
        200,
      );
    },
  },
  {
    route: 'GET /fleet',
    title: 'GET /fleet',
    method: 'get',
    path: '/fleet?refresh=true',
    expect: READ,
  },
  {
    route: 'POST /fleet/scale-down',
    title: 'POST /fleet/scale-down [my-app]',
    method: 'post',
    path: '/fleet/scale-down',
    body: { entityRefs: ['component:default/my-app'], replicas: 1 },
    expect: {
      anonymous: 401,
      'other team': 'denied',
      owner: 'scaled',
      platform: 'scaled',
    },
    writes: 'cluster',
    restore: greenAt3,
  },
  {
    route: 'GET /.backstage/actions/v1/actions',
    title: 'GET actions (MCP)',
    method: 'get',
    path: '/.backstage/actions/v1/actions',
    expect: READ,
  },
  ...([1, 2] as const).flatMap((version): Row[] => [
    {
      route: `POST ${version === 1 ? ACTIONS_V1 : ACTIONS_V2}`,
      title: `action get-status (v${version})`,
      method: 'post',
      ...invoke(version, 'get-status', {
        entityRef: 'component:default/my-app',
      }),
      expect: READ,
    },
    ...(['promote', 'rollback'] as const).map(
      (action): Row => ({
        route: `POST ${version === 1 ? ACTIONS_V1 : ACTIONS_V2}`,
        title: `action ${action} (v${version})`,
        method: 'post',
        ...invoke(version, action, { entityRef: 'component:default/my-app' }),
        expect: WRITE,
        writes: 'cluster',
        ...(action === 'rollback'
          ? { setup: promotedGreen, restore: backToBlue }
          : { restore: backToBlue }),
      }),
    ),
  ]),
];

/** The answer as the matrix writes it: the status, or a fleet scale-down's outcome. */
function cellOf(row: Row, res: request.Response): number | string {
  if (typeof row.expect.owner === 'string' && res.status === 200) {
    return res.body.results?.[0]?.outcome ?? 'no result';
  }
  return res.status;
}

const denied = (cell: number | string) =>
  cell === 401 || cell === 403 || cell === 'denied';

describe.each(DATABASES)('authorization matrix on %s', database => {
  let world: World;

  beforeAll(async () => {
    const hijacks = join(mkdtempSync(join(tmpdir(), 'bg-matrix-')), 'h.yaml');
    writeAnnotatedComponents(
      hijacks,
      HIJACKS.map(h => ({ ...h, annotations: { ...h.annotations } })),
    );
    world = await startWorld({ database, catalogFiles: [hijacks] });
    await readyAgain(world);
    await waitFor('the hijacking entities in the catalog', async () => {
      for (const { name } of HIJACKS) {
        const res = await world
          .as(users.carol)
          .get(`/entities/default/component/${name}`);
        if (res.status !== 200) return false;
      }
      return true;
    });
  });

  afterAll(async () => {
    await world?.stop();
  });

  it('covers every route the plugin mounts', () => {
    expect([...new Set(ROWS.flatMap(r => r.route ?? []))].sort()).toEqual(
      mountedRoutes(world).sort(),
    );
  });

  it.each(ROWS.map(r => [r.title, r] as const))('%s', async (_title, row) => {
    const players = PLAYERS[row.entity ?? 'my-app'];
    const actual: Record<string, number | string> = {};
    const problems: string[] = [];
    for (const role of ROLES) {
      await row.setup?.(world);
      const user = players[role];
      const mark = world.sandbox.requests.mark();
      const path = row.absolute ? row.path : `${BASE}${row.path}`;
      let req = user
        ? world.as(user).raw(row.method, path)
        : anonymous(world, row.method, path);
      if (row.headers) req = req.set(row.headers);
      if (row.body) req = req.send(row.body);
      const res = await req;
      const cell = cellOf(row, res);
      actual[role] = cell;
      const writes = writesSince(world.sandbox, mark);
      const where = `${role}: ${res.status} ${JSON.stringify(res.body).slice(
        0,
        300,
      )}`;
      const allowedWrite = row.writes && !denied(cell) && res.status < 400;
      if (!allowedWrite && writes.length > 0) {
        // Denied, refused or read-only: the cluster must not have seen a write.
        problems.push(`${where}: wrote ${writes.join(', ')}`);
      }
      if (allowedWrite && row.writes === 'cluster' && writes.length === 0) {
        problems.push(`${where}: allowed, but nothing was written`);
      }
      if (
        row.refusal &&
        (role === 'owner' || role === 'platform') &&
        !String(res.body?.error?.message).includes(row.refusal)
      ) {
        problems.push(`${where}: does not say "${row.refusal}"`);
      }
      const errorName = { 401: 'AuthenticationError', 403: 'NotAllowedError' }[
        res.status as 401 | 403
      ];
      if (errorName && res.body?.error?.name !== errorName) {
        problems.push(`${where}: not a ${errorName}`);
      }
      if (allowedWrite) await row.restore?.(world);
    }
    expect({ status: actual, problems }).toEqual({
      status: row.expect,
      problems: [],
    });
  });

  it("fleet scale-down decides per entity: only the caller's own idle colors are written", async () => {
    const mark = world.sandbox.requests.mark();
    const res = await world.as(users.bob).post('/fleet/scale-down', {
      entityRefs: [
        'component:default/my-app',
        'component:default/my-app-mesh',
        'component:default/test-pod',
      ],
      replicas: 1,
    });
    expectStatus(res, 200);
    expect(
      res.body.results.map((r: any) => [r.entityRef, r.outcome, r.color]),
    ).toEqual([
      ['component:default/my-app', 'denied', 'green'],
      ['component:default/my-app-mesh', 'scaled', 'green'],
      ['component:default/test-pod', 'denied', 'green'],
    ]);
    // One write, to team-payments' mesh Deployment; none to team-checkout's.
    expect(
      writesSince(world.sandbox, mark).map(w => w.replace(/\?.*$/, '')),
    ).toEqual([
      'PATCH /apis/apps/v1/namespaces/istio-demo/deployments/my-app-green/scale',
    ]);
    expectStatus(
      await world
        .as(users.carol)
        .post(`${MESH}/scale`, { color: 'green', replicas: 3 }),
      200,
    );
  });

  it('a denied sign-off leaves the checklist as it was', async () => {
    const item = async () =>
      (await world.as(users.alice).get(`${MY_APP}/checklist`)).body.items.find(
        (i: any) => i.id === 'smoke-test',
      );
    expect((await item()).signOff).toBeUndefined();
    expectStatus(
      await world
        .as(users.bob)
        .post(`${MY_APP}/checklist/smoke-test/sign-off`, { note: 'not mine' }),
      403,
    );
    expect((await item()).signOff).toBeUndefined();
    expectStatus(
      await world
        .as(users.alice)
        .post(`${MY_APP}/checklist/smoke-test/sign-off`, { note: 'mine' }),
      200,
    );
    expectStatus(
      await world
        .as(users.bob)
        .raw('delete', `${BASE}${MY_APP}/checklist/smoke-test/sign-off`),
      403,
    );
    expect((await item()).signOff).toMatchObject({ by: users.alice });
    expectStatus(
      await world
        .as(users.alice)
        .raw('delete', `${BASE}${MY_APP}/checklist/smoke-test/sign-off`),
      200,
    );
  });

  it('refuses a forged token on every route with 401 and no write', async () => {
    const mark = world.sandbox.requests.mark();
    for (const row of ROWS.filter(r => r.route !== 'GET /health')) {
      let req = request(world.server)
        [row.method](row.absolute ? row.path : `${BASE}${row.path}`)
        .set(row.headers ?? {})
        .set('Authorization', 'Bearer not-a-token');
      if (row.body) req = req.send(row.body);
      const res = await req;
      expect([row.title, res.status]).toEqual([row.title, 401]);
    }
    expect(writesSince(world.sandbox, mark)).toEqual([]);
  });

  it('left the entities as the matrix found them', async () => {
    const [blue, green, service] = await Promise.all([
      deployment(world, 'my-app-blue'),
      deployment(world, 'my-app-green'),
      world.kube('/api/v1/namespaces/default/services/my-app'),
    ]);
    expect(service.spec.selector.color).toBe('blue');
    expect([blue.spec.replicas, green.spec.replicas]).toEqual([3, 3]);
  });
});
