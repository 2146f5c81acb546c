import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  DATABASES,
  expectStatus,
  repoRoot,
  startWorld,
  subprotocolToken,
  users,
  waitFor,
  World,
} from '../../__testUtils__/harness';
import { createObjects } from '../../__testUtils__/fleet';
import {
  BASE,
  listenToSignals,
  writeAnnotatedComponents,
  writesSince,
} from '../../__testUtils__/security';

/**
 * The trust boundary (issue 17): no team moves another team's traffic, by any path the plugin
 * offers. One test per finding, each reproducing it as it was found — with the real catalog,
 * permission framework and demo policy, the sandbox cluster, the real signals backend and the
 * real scaffolder — and asserting that it is closed now. (The Kubernetes plugin's proxy, finding
 * 2, is another suite's.)
 */

jest.setTimeout(240_000);

const MY_APP = '/entities/default/component/my-app';
const ROLLOUT = '/entities/default/component/my-app-rollout';
const HIJACK_ROLLOUT = '/entities/default/component/hijack-rollout';
const HIJACK_SELECTOR = '/entities/default/component/hijack-selector';
const ROLLOUT_API =
  '/apis/argoproj.io/v1alpha1/namespaces/rollouts-demo/rollouts/my-app';
const ACTIVE_SERVICE =
  '/api/v1/namespaces/rollouts-demo/services/my-app-active';
const MY_APP_SERVICE = '/api/v1/namespaces/default/services/my-app';
const EVERY_MANUAL_ITEM =
  'smoke-test,critical-endpoints,db-migration,schema-compatible,backfill,alert-channels,rollback-owner,dependencies';

/** The namespaces each team may use: the platform team's app-config. */
const NAMESPACES = [
  { owners: ['group:default/team-checkout'], namespaces: ['default'] },
  {
    owners: ['group:default/team-payments'],
    namespaces: ['rollouts-demo', 'istio-demo', 'default'],
  },
  { owners: ['group:default/platform'], namespaces: ['*'] },
];

/** `kubectl patch --type merge`, or `strategic` (containers merged by name) for built-in kinds. */
const merge = (
  world: World,
  path: string,
  body: object,
  type: 'merge' | 'strategic-merge' = 'merge',
) =>
  world.kube(path, {
    method: 'PATCH',
    headers: { 'Content-Type': `application/${type}-patch+json` },
    body: JSON.stringify(body),
  });

const history = async (world: World, path: string, user = users.carol) =>
  (await world.as(user).get(`${path}/history?limit=200`)).body.items as any[];

/** A scaffolder dry run of a template as `user`. */
const dryRun = (world: World, user: string, template: object, values = {}) =>
  world
    .as(user)
    .raw('post', '/api/scaffolder/v2/dry-run')
    .send({ template, values, directoryContents: [] });

const serviceTemplate = () =>
  parse(
    readFileSync(
      join(repoRoot, 'examples/templates/blue-green-service/template.yaml'),
      'utf8',
    ),
  );

/** A template of one step, as a template author could write it. */
const oneStep = (action: string, input: object) => ({
  apiVersion: 'scaffolder.backstage.io/v1beta3',
  kind: 'Template',
  metadata: { name: 'one-step' },
  spec: { type: 'service', steps: [{ id: 'step', action, input }] },
});

async function live(world: World, path: string, user: string) {
  return (await world.as(user).get(path)).body.live;
}

describe.each(DATABASES)('trust boundary on %s', database => {
  let world: World;
  let release = 0;

  /** A rollback marks green's version failed: a new one is deployed before it is promoted again. */
  async function greenPromotable() {
    if ((await world.as(users.alice).get(MY_APP)).body.failedVersion) {
      release++;
      expectStatus(
        await world
          .as(users.alice)
          .post(`${MY_APP}/deploy`, { image: `my-app:1.2.${release}` }),
        200,
      );
    }
    await waitFor('green promotable', async () => {
      const res = await world.as(users.alice).get(MY_APP);
      return res.body.live === 'blue' && res.body.promote.allowed;
    });
  }

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bg-trust-'));
    const hostile = join(dir, 'hostile.yaml');
    const published = join(dir, 'published');
    writeAnnotatedComponents(hostile, [
      {
        // Finding 1: team-checkout registers team-payments' Rollout, every manual item skipped.
        name: 'hijack-rollout',
        owner: 'team-checkout',
        annotations: {
          'backstage.io/kubernetes-id': 'my-app',
          'backstage.io/kubernetes-namespace': 'rollouts-demo',
          'blue-green.backstage.io/strategy': 'argo-rollouts',
          'blue-green.backstage.io/rollout': 'my-app',
          'blue-green.backstage.io/skip-checks': EVERY_MANUAL_ITEM,
        },
      },
      {
        // … and team-payments registers team-checkout's Service, in a namespace both may use.
        name: 'hijack-selector',
        owner: 'team-payments',
        annotations: {
          'backstage.io/kubernetes-id': 'my-app',
          'backstage.io/kubernetes-namespace': 'default',
          'blue-green.backstage.io/strategy': 'service-selector',
          'blue-green.backstage.io/skip-checks': EVERY_MANUAL_ITEM,
        },
      },
    ]);
    world = await startWorld({
      database,
      catalogFiles: [hostile, join(published, '*/catalog-info.yaml')],
      blueGreen: {
        namespaces: NAMESPACES,
        scaffolder: { localDirectory: published },
        switch: { verifyTimeout: '10s', stepInterval: '0s' },
      },
      features: [
        import('@backstage/plugin-signals-backend'),
        import('@backstage/plugin-scaffolder-backend'),
        import(
          '@bluegreen-backstage/plugin-scaffolder-backend-module-blue-green'
        ),
      ],
    });
    await waitFor('hostile entities in the catalog', async () => {
      const res = await world.as(users.alice).get(HIJACK_SELECTOR);
      return res.status === 200 && res.body.colors.green.replicas.ready > 0;
    });
  });

  afterAll(async () => {
    await world?.stop();
  });

  afterEach(() => world.sandbox.faults.clear());

  it("1. an entity's annotations cannot reach another team's objects; skip-checks cannot widen", async () => {
    const mark = world.sandbox.requests.mark();
    // Team-checkout on team-payments' Rollout: the namespace is not one team-checkout may use.
    const rollout = await world
      .as(users.alice)
      .post(`${HIJACK_ROLLOUT}/promote`, { reason: 'hijack' });
    expectStatus(rollout, 403);
    expect(rollout.body.error.message).toContain(
      'namespace rollouts-demo on cluster sandbox is not one that group:default/team-checkout may use',
    );
    // Team-payments on team-checkout's Service, in a namespace it may use: the Service says whose.
    for (const [user, body] of [
      [users.bob, { reason: 'hijack' }],
      [users.carol, { reason: 'hijack', force: true }],
    ] as const) {
      const res = await world.as(user).post(`${HIJACK_SELECTOR}/promote`, body);
      expectStatus(res, 403);
      expect(res.body.error.message).toContain(
        'Service default/my-app belongs to component:default/my-app, not to component:default/hijack-selector',
      );
    }
    expect(writesSince(world.sandbox, mark)).toEqual([]);
    expect((await world.kube(MY_APP_SERVICE)).spec.selector.color).toBe('blue');
    // The tab says so before anyone tries.
    const status = await world.as(users.bob).get(HIJACK_SELECTOR);
    expect(status.body.problems[0]).toContain(
      'Service default/my-app belongs to component:default/my-app',
    );
    expect(status.body.promote).toMatchObject({
      allowed: false,
      forceable: false,
    });
    // The owners' histories never saw it; the hijacker's own keeps the refusals, without its text.
    for (const path of [MY_APP, ROLLOUT]) {
      expect(
        (await history(world, path)).filter(e => e.reason === 'hijack'),
      ).toEqual([]);
    }
    const refused = await history(world, HIJACK_SELECTOR);
    expect(refused.map(e => [e.outcome, e.reason])).toEqual([
      ['refused', undefined],
      ['refused', undefined],
    ]);
    // skip-checks listing every manual item leaves the required ones in.
    const checklist = await world
      .as(users.alice)
      .get(`${HIJACK_ROLLOUT}/checklist`);
    expect(
      checklist.body.items
        .filter((i: any) => i.kind === 'manual' && i.required)
        .map((i: any) => i.id),
    ).toEqual(
      expect.arrayContaining(['smoke-test', 'db-migration', 'rollback-owner']),
    );
  });

  it('3. rollback goes back only to what was live: never to a color that was not, nor to a changed version', async () => {
    expect(await live(world, MY_APP, users.alice)).toBe('blue');
    const never = await world.as(users.alice).post(`${MY_APP}/rollback`);
    expectStatus(never, 409);
    expect(never.body.error.message).toContain(
      'green (v1.1.0) was never live before blue',
    );
    expect((await world.kube(MY_APP_SERVICE)).spec.selector.color).toBe('blue');

    expectStatus(await world.as(users.alice).post(`${MY_APP}/promote`), 200);
    // Blue's image changes while green is live: blue is not what was live any more.
    const blue = '/apis/apps/v1/namespaces/default/deployments/my-app-blue';
    const image = (await world.kube(blue)).spec.template.spec.containers[0];
    const setImage = (value: string) =>
      merge(
        world,
        blue,
        {
          spec: {
            template: {
              spec: { containers: [{ name: image.name, image: value }] },
            },
          },
        },
        'strategic-merge',
      );
    await setImage('my-app:9.9.9');
    const changed = await world.as(users.alice).post(`${MY_APP}/rollback`);
    expectStatus(changed, 409);
    expect(changed.body.error.message).toContain(
      'blue changed since it was live',
    );
    await setImage(image.image);
    await waitFor('blue ready again', async () => {
      const res = await world.as(users.alice).get(MY_APP);
      return res.body.rollback.allowed;
    });
    expectStatus(await world.as(users.alice).post(`${MY_APP}/rollback`), 200);
    expect(await live(world, MY_APP, users.alice)).toBe('blue');

    // Argo Rollouts: the paused, unverified revision is not "the previous one".
    const before = await world.kube(ROLLOUT_API);
    const paused = await world.as(users.bob).post(`${ROLLOUT}/rollback`);
    expectStatus(paused, 409);
    expect(paused.body.error.message).toContain('was never live');
    const after = await world.kube(ROLLOUT_API);
    expect(after.status.blueGreen.activeSelector).toBe(
      before.status.blueGreen.activeSelector,
    );
    expect(after.spec.template).toEqual(before.spec.template);
  });

  it('4. a revision token cannot be replayed: A → B → A makes the first one stale', async () => {
    await greenPromotable();
    const first = (await world.as(users.alice).get(MY_APP)).body.revision;
    expectStatus(
      await world
        .as(users.alice)
        .post(`${MY_APP}/promote`, { revision: first }),
      200,
    );
    expectStatus(await world.as(users.alice).post(`${MY_APP}/rollback`), 200);
    expect(await live(world, MY_APP, users.alice)).toBe('blue');
    const replay = await world
      .as(users.alice)
      .post(`${MY_APP}/promote`, { revision: first });
    expectStatus(replay, 409);
    expect(replay.body.error.message).toContain(
      `the live state changed since revision ${first}`,
    );
    expect((await world.kube(MY_APP_SERVICE)).spec.selector.color).toBe('blue');
  });

  it('5. signals reach the entity’s owners only, never a connection without a token', async () => {
    const port = world.server.port();
    const channel = 'blue-green:component:default/my-app';
    const [anonymous, owner, otherTeam] = await Promise.all([
      listenToSignals(port, channel),
      listenToSignals(port, channel, subprotocolToken(users.alice)),
      listenToSignals(port, channel, subprotocolToken(users.bob)),
    ]);
    try {
      await greenPromotable();
      expectStatus(await world.as(users.alice).post(`${MY_APP}/promote`), 200);
      expectStatus(await world.as(users.alice).post(`${MY_APP}/rollback`), 200);
      await waitFor(
        'the owner’s signals',
        async () => owner.messages.length >= 4,
      );
      await new Promise(r => setTimeout(r, 500));
      expect(owner.messages[0]).toMatchObject({
        channel,
        message: { entityRef: 'component:default/my-app' },
      });
      expect(anonymous.messages).toEqual([]);
      expect(otherTeam.messages).toEqual([]);
    } finally {
      for (const c of [anonymous, owner, otherTeam]) c.close();
    }
  });

  it('8. every input path has the same bounds, and a denied request writes none of its text', async () => {
    const huge = 'x'.repeat(90_000);
    const mark = world.sandbox.requests.mark();
    const mcp = await world
      .as(users.alice)
      .raw(
        'post',
        `${BASE}/.backstage/actions/v2/actions/blue-green:promote/invoke`,
      )
      .send({
        input: { entityRef: 'component:default/my-app-rollout', reason: huge },
      });
    expect(mcp.status).toBe(400);
    for (const reason of ['null \u0000 byte', 'invoice\u202Efdp.exe']) {
      for (const res of [
        await world.as(users.alice).post(`${MY_APP}/promote`, { reason }),
        await world
          .as(users.alice)
          .raw(
            'post',
            `${BASE}/.backstage/actions/v2/actions/blue-green:rollback/invoke`,
          )
          .send({ input: { entityRef: 'component:default/my-app', reason } }),
        await world
          .as(users.alice)
          .post(`${MY_APP}/checklist/smoke-test/sign-off`, { note: reason }),
      ]) {
        expect([res.status, res.body.error?.message]).toEqual([
          400,
          expect.stringContaining(
            'must not contain control or bidirectional-override characters',
          ),
        ]);
      }
    }
    // Allowed text, but a caller the policy denies: refused, recorded, without the text.
    const denied = await world
      .as(users.alice)
      .raw(
        'post',
        `${BASE}/.backstage/actions/v2/actions/blue-green:promote/invoke`,
      )
      .send({
        input: {
          entityRef: 'component:default/my-app-rollout',
          reason: 'alice was here',
        },
      });
    expect(denied.status).toBe(403);
    expect(writesSince(world.sandbox, mark)).toEqual([]);
    const payments = await history(world, ROLLOUT);
    expect(
      payments.filter(
        e =>
          e.reason &&
          ['alice was here', 'xxxx', '\u0000', '\u202E'].some(t =>
            e.reason.includes(t),
          ),
      ),
    ).toEqual([]);
    expect(payments[0]).toMatchObject({
      actor: users.alice,
      outcome: 'refused',
      error: 'not allowed: blue-green.promote',
    });
    expect(payments[0].reason).toBeUndefined();
  });

  it('9. an Argo rollback whose promote fails after its undo is undone and reported precisely', async () => {
    expectStatus(
      await world.as(users.bob).post(`${ROLLOUT}/promote`, { full: true }),
      200,
    );
    const promoted = await waitFor('the new revision stable', async () => {
      const res = await world.as(users.bob).get(ROLLOUT);
      return res.body.rollback?.allowed && res.body;
    });
    const template = (await world.kube(ROLLOUT_API)).spec.template;
    // The undo lands; every promote that follows it fails.
    world.sandbox.faults.set({
      kind: 'error',
      status: 500,
      verb: 'patch',
      resource: 'rollouts',
      path: '/status',
      count: 100,
    });
    const res = await world.as(users.bob).post(`${ROLLOUT}/rollback`);
    world.sandbox.faults.clear();
    expectStatus(res, 503);
    expect(res.body.error.message).toContain(
      `untouched: live is ${promoted.live} (2 request(s) accepted, then undone`,
    );
    const [entry] = await history(world, ROLLOUT);
    expect(entry).toMatchObject({
      action: 'rollback',
      outcome: 'failed',
      details: {
        cluster: expect.stringMatching(/^untouched: live is/),
        requests: [
          expect.objectContaining({
            description: expect.stringContaining('kubectl argo rollouts undo'),
          }),
          expect.objectContaining({
            description: expect.stringContaining('undo of the undo'),
          }),
        ],
      },
    });
    // Not left paused on the old revision: the new one is live, stable, and alone.
    await waitFor('the Rollout steady on the new revision', async () => {
      const rollout = await world.kube(ROLLOUT_API);
      return (
        JSON.stringify(rollout.spec.template) === JSON.stringify(template) &&
        !(rollout.status.pauseConditions ?? []).length &&
        rollout.status.currentPodHash === rollout.status.stableRS
      );
    });
    expect(await live(world, ROLLOUT, users.bob)).toBe(promoted.live);
    // Without the fault, the same rollback completes.
    expectStatus(await world.as(users.bob).post(`${ROLLOUT}/rollback`), 200);
    expect(await live(world, ROLLOUT, users.bob)).not.toBe(promoted.live);
  });

  it('10. the Argo Rollouts status follows the active Service, not only the Rollout', async () => {
    const before = (await world.as(users.bob).get(ROLLOUT)).body;
    const other = before.live === 'blue' ? 'green' : 'blue';
    const otherHash = before.colors[other].workload.podTemplateHash;
    // Paused by hand, so that the controller leaves the Service as it is changed.
    await merge(world, ROLLOUT_API, { spec: { paused: true } });
    await merge(world, ACTIVE_SERVICE, {
      spec: { selector: { 'rollouts-pod-template-hash': otherHash } },
    });
    try {
      const status = (await world.as(users.bob).get(ROLLOUT)).body;
      expect(status.live).toBe(other);
      expect(status.problems).toContain(
        `Service my-app-active selects rollouts-pod-template-hash=${otherHash}, but the Rollout's active revision is ${
          before.colors[before.live].workload.podTemplateHash
        }: the Service was changed outside Argo Rollouts`,
      );
      expect(status.promote.allowed).toBe(false);
      expect(status.rollback.allowed).toBe(false);
    } finally {
      await merge(world, ROLLOUT_API, { spec: { paused: false } });
    }
    await waitFor('the controller puts the Service back', async () => {
      const res = await world.as(users.bob).get(ROLLOUT);
      return res.body.live === before.live && res.body.problems.length === 0;
    });
  });

  it('6. diagnostics say which variable changed, never its value', async () => {
    const secret = 's3cr3t-0f-t3am-ch3ck0ut';
    const green = '/apis/apps/v1/namespaces/default/deployments/my-app-green';
    const [container] = (await world.kube(green)).spec.template.spec.containers;
    await merge(
      world,
      green,
      {
        spec: {
          template: {
            spec: {
              containers: [
                {
                  name: container.name,
                  env: [{ name: 'DB_PASSWORD', value: secret }],
                },
              ],
            },
          },
        },
      },
      'strategic-merge',
    );
    // Any catalog reader may look: another team's member here.
    const res = await world.as(users.bob).get(`${MY_APP}/diagnostics`);
    expectStatus(res, 200);
    expect(res.body.templateDiff).toContainEqual({
      field: expect.stringMatching(/\.env\.DB_PASSWORD$/),
      green: '(value hidden)',
    });
    expect(JSON.stringify(res.body)).not.toContain(secret);
  });

  it('7. the scaffolder creates only for the user’s teams, in their namespaces, never into another entity’s traffic', async () => {
    const values = {
      name: 'shop',
      owner: 'group:default/platform',
      strategy: 'service-selector',
      image: 'my-app:1.0.0',
      port: 8080,
      replicas: 1,
      namespace: 'default',
      healthPath: '/health',
    };
    const system = await dryRun(world, users.carol, serviceTemplate(), {
      ...values,
      namespace: 'kube-system',
    });
    expect([system.status, system.body.error?.message]).toEqual([
      403,
      'namespace kube-system is not one that group:default/platform may use (blueGreen.namespaces)',
    ]);
    const foreign = await dryRun(world, users.carol, serviceTemplate(), {
      ...values,
      owner: 'group:default/team-payments',
    });
    expect([foreign.status, foreign.body.error?.message]).toEqual([
      403,
      expect.stringContaining(
        'owner group:default/team-payments is not one of your teams',
      ),
    ]);
    // Another team's Service selects app=shop: the new service's pods would take its traffic.
    await createObjects(world.sandbox, [
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: 'payments-api',
          namespace: 'default',
          annotations: {
            'blue-green.backstage.io/entity': 'component:default/payments-api',
          },
        },
        spec: { selector: { app: 'shop' }, ports: [{ port: 80 }] },
      } as any,
    ]);
    const mark = world.sandbox.requests.mark();
    const traffic = await dryRun(world, users.carol, serviceTemplate(), values);
    expect([traffic.status, traffic.body.error?.message]).toEqual([
      409,
      expect.stringContaining(
        'the pods of Deployment default/shop-blue would take the traffic of another service: Service default/payments-api belongs to component:default/payments-api',
      ),
    ]);
    expect(writesSince(world.sandbox, mark)).toEqual([]);
  });

  it('11. scaffolder actions answer bad input with a 400; expensive reads are bounded', async () => {
    const apply = await dryRun(
      world,
      users.carol,
      oneStep('blue-green:apply', { path: 'nowhere' }),
    );
    expect([apply.status, apply.body.error?.message]).toEqual([
      400,
      expect.stringContaining("nowhere does not exist in the task's workspace"),
    ]);
    const render = await dryRun(
      world,
      users.carol,
      oneStep('blue-green:render', {
        name: 'shop',
        owner: 'group:default/platform',
        strategy: 'service-selector',
        image: 'my-app:1.0.0',
        healthPath: '/../../../api/v1/secrets',
      }),
    );
    expect([render.status, render.body.error?.message]).toEqual([
      400,
      expect.stringContaining("healthPath: must not have '.' or '..' segments"),
    ]);
    const metrics = await world
      .as(users.bob)
      .get(`${MY_APP}/metrics?range=7d&step=1m`);
    expect([metrics.status, metrics.body.error?.message]).toEqual([
      400,
      expect.stringContaining('10,080 points; at most 1,000 per series'),
    ]);
  });
});
