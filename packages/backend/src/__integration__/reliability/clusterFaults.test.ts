import { FaultRule } from '@bluegreen-backstage/kube-sandbox';
import {
  expectStatus,
  startWorld,
  users,
  waitFor,
  World,
} from '../../__testUtils__/harness';

/**
 * Issue 8, cluster faults during a switch (the sandbox's API fault mode: 500s, hung requests,
 * dropped connections, lost answers, 409 storms). Whatever happens, the caller gets a clear error
 * or a true success, the cluster ends fully switched or untouched, and history says which.
 */

jest.setTimeout(120_000);

const MY_APP = '/entities/default/component/my-app';
const MESH = '/entities/default/component/my-app-mesh';
const SERVICE = '/api/v1/namespaces/default/services/my-app';
const VIRTUAL_SERVICE =
  '/apis/networking.istio.io/v1/namespaces/istio-demo/virtualservices/my-app';

const patchOf = (resource: string): Pick<FaultRule, 'verb' | 'resource'> => ({
  verb: 'patch',
  resource,
});

describe('cluster faults during a switch', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld({
      database: 'sqlite',
      blueGreen: {
        // A hung request is given up after a second, not the default ten.
        kubernetes: { requestTimeout: '1s' },
        switch: { verifyTimeout: '5s', stepInterval: '0s' },
      },
    });
  });

  afterAll(async () => {
    await world?.stop();
  });

  afterEach(() => world.sandbox.faults.clear());

  let release = 0;

  /** Both colors ready and blue live, as the seeds start; a switched entity is rolled back first. */
  async function blueLive(path: string, user: string) {
    world.sandbox.faults.clear();
    const status = await waitFor(`${path} ready`, async () => {
      const res = await world.as(user).get(path);
      return res.status === 200 && !res.body.inProgress && res.body;
    });
    if (status.live !== 'blue') {
      expectStatus(await world.as(user).post(`${path}/rollback`, {}), 200);
    }
    // A rollback marks green's version failed: a new one may be promoted again.
    if ((await world.as(user).get(path)).body.failedVersion) {
      release++;
      expectStatus(
        await world
          .as(user)
          .post(`${path}/deploy`, { image: `my-app:1.1.${release}` }),
        200,
      );
    }
    return waitFor(`${path}: blue live, green ready`, async () => {
      const res = await world.as(user).get(path);
      return res.body.live === 'blue' && res.body.promote.allowed && res.body;
    });
  }

  const selector = async () =>
    (await world.kube(SERVICE)).spec.selector.color as string;

  const weights = async () => {
    const vs = await world.kube(VIRTUAL_SERVICE);
    return vs.spec.http
      .find((r: any) => !r.match)
      .route.map((d: any) => `${d.destination.subset} ${d.weight}`);
  };

  const lastEntry = async (path: string, user: string) =>
    (await world.as(user).get(`${path}/history`)).body.items[0];

  it.each<[string, FaultRule, RegExp]>([
    [
      'a 500',
      { kind: 'error', status: 500, ...patchOf('services') },
      /answered 500|Internal error/,
    ],
    [
      'a hung request',
      { kind: 'timeout', delayMs: 5000, ...patchOf('services') },
      /did not answer PATCH .* within 1000 ms/,
    ],
    [
      'a dropped connection',
      { kind: 'drop', ...patchOf('services') },
      /cluster sandbox/,
    ],
  ])(
    'service-selector, %s on the write: 503 naming the cluster, untouched, history says so',
    async (_what, fault, error) => {
      await blueLive(MY_APP, users.alice);
      const rv = (await world.kube(SERVICE)).metadata.resourceVersion;
      world.sandbox.faults.set(fault);

      const res = await world.as(users.alice).post(`${MY_APP}/promote`, {});
      expectStatus(res, 503);
      expect(res.body.error.message).toMatch(error);
      expect(res.body.error.message).toContain('untouched: live is blue');

      world.sandbox.faults.clear();
      const service = await world.kube(SERVICE);
      expect(service.spec.selector.color).toBe('blue');
      expect(service.metadata.resourceVersion).toBe(rv);
      expect(await world.hit('default', 'my-app')).toContain('v1.0.0');
      const entry = await lastEntry(MY_APP, users.alice);
      expect(entry).toMatchObject({
        action: 'promote',
        outcome: 'failed',
        details: { cluster: 'untouched: live is blue', observedLive: 'blue' },
      });
      expect(entry.error).toMatch(error);
    },
  );

  it('service-selector, the answer to the write is lost: the switch landed, so it is a success, verified', async () => {
    await blueLive(MY_APP, users.alice);
    world.sandbox.faults.set({ kind: 'lost-answer', ...patchOf('services') });

    const res = await world.as(users.alice).post(`${MY_APP}/promote`, {});
    expectStatus(res, 200);
    expect(res.body.verification.verified).toBe(true);
    expect(res.body.status.live).toBe('green');
    expect(res.body.entry).toMatchObject({
      outcome: 'succeeded',
      details: {
        cluster: expect.stringMatching(
          /^switched: green is live although the cluster's answer was lost/,
        ),
      },
    });
    world.sandbox.faults.clear();
    expect(await selector()).toBe('green');
    expect(await world.hit('default', 'my-app')).toContain('v1.1.0');
  });

  it('service-selector, a 409 storm: a short one is ridden out, a long one is a 409 and untouched', async () => {
    await blueLive(MY_APP, users.alice);
    world.sandbox.faults.set({
      kind: 'conflict',
      ...patchOf('services'),
      count: 2,
    });
    const short = await world.as(users.alice).post(`${MY_APP}/promote`, {});
    expectStatus(short, 200);
    expect(await selector()).toBe('green');
    expect(world.sandbox.faults.list()[0].hits).toBe(2);

    await blueLive(MY_APP, users.alice);
    world.sandbox.faults.set({ kind: 'conflict', ...patchOf('services') });
    const long = await world.as(users.alice).post(`${MY_APP}/promote`, {});
    expectStatus(long, 409);
    expect(long.body.error.message).toContain('untouched');
    world.sandbox.faults.clear();
    expect(await selector()).toBe('blue');
    expect(await lastEntry(MY_APP, users.alice)).toMatchObject({
      action: 'promote',
      outcome: 'refused',
      details: { cluster: expect.stringMatching(/^untouched/) },
    });
  });

  it('service-selector, the cluster fails every read after the write: an error that says the switch landed, history says unverified', async () => {
    await blueLive(MY_APP, users.alice);
    // The write is held for a moment; while it is in flight, every later read starts failing.
    world.sandbox.faults.set({
      kind: 'latency',
      delayMs: 300,
      ...patchOf('services'),
      count: 1,
    });
    const pending = world.as(users.alice).post(`${MY_APP}/promote`, {});
    const answer = pending.then(r => r);
    await waitFor(
      'the write to reach the cluster',
      async () => world.sandbox.faults.list()[0].hits === 1,
    );
    world.sandbox.faults.add({ kind: 'error', status: 500, method: 'GET' });

    const res = await answer;
    world.sandbox.faults.clear();
    expect(await selector()).toBe('green');
    // Never a claim that nothing happened: the error names the landed switch.
    expectStatus(res, 503);
    expect(res.body.error.message).toMatch(
      /^promote to green was written \(history [0-9a-f-]+\), but the cluster could not be read afterwards/,
    );
    const entry = await lastEntry(MY_APP, users.alice);
    expect(entry).toMatchObject({
      action: 'promote',
      to: 'green',
      outcome: 'succeeded',
      details: {
        verification: {
          verified: false,
          message: expect.stringContaining('could not verify'),
        },
      },
    });
  });

  /**
   * A stepped Istio promote (10 → 50 → 100) from blue whose first step goes through and whose
   * next `failures` writes (the second step, then the restore) answer 500.
   */
  async function failingSteppedPromote(failures: number) {
    await blueLive(MESH, users.bob);
    world.sandbox.faults.set([
      { kind: 'latency', delayMs: 0, ...patchOf('virtualservices'), count: 1 },
      {
        kind: 'error',
        status: 500,
        ...patchOf('virtualservices'),
        count: failures,
      },
    ]);
    return world.as(users.bob).post(`${MESH}/promote`, {
      steps: [10, 50, 100],
      stepIntervalSeconds: 0,
    });
  }

  it('istio, a stepped shift whose second step fails: the first step is undone, untouched', async () => {
    // The second step (green 50 %) fails; the restore that follows goes through.
    const res = await failingSteppedPromote(1);
    expectStatus(res, 503);
    expect(res.body.error.message).toContain('untouched: live is blue');
    world.sandbox.faults.clear();
    expect(await weights()).toEqual(['blue 100', 'green 0']);
    const entry = await lastEntry(MESH, users.bob);
    expect(entry.outcome).toBe('failed');
    expect(entry.details.cluster).toMatch(
      /^untouched: live is blue \(2 request\(s\) accepted, then undone: the previous state is back\)/,
    );
    expect(entry.details.requests.map((r: any) => r.description)).toEqual([
      expect.stringContaining('green 10%'),
      expect.stringContaining('blue 100%'),
    ]);
  });

  it('istio, a stepped shift that fails and cannot be undone: partial, said so, and a rollback finishes it', async () => {
    // The second step and the restore both fail.
    const res = await failingSteppedPromote(2);
    expectStatus(res, 503);
    expect(res.body.error.message).toContain('partial');
    world.sandbox.faults.clear();
    expect(await weights()).toEqual(['blue 90', 'green 10']);
    expect(await lastEntry(MESH, users.bob)).toMatchObject({
      outcome: 'failed',
      details: { cluster: expect.stringMatching(/^partial: .* live is split/) },
    });

    const status = await world.as(users.bob).get(MESH);
    expect(status.body.live).toBe('split');
    expect(status.body.rollback).toMatchObject({
      allowed: true,
      target: 'blue',
    });
    expectStatus(await world.as(users.bob).post(`${MESH}/rollback`, {}), 200);
    expect(await weights()).toEqual(['blue 100', 'green 0']);
  });

  it('argo-rollouts, a 500 on the promote patch: 503, the Rollout stays paused on the old revision', async () => {
    const path = '/entities/default/component/my-app-rollout';
    const before = await waitFor(
      'the rollout paused with a ready preview',
      async () => {
        const res = await world.as(users.bob).get(path);
        return res.body?.promote?.allowed && res.body;
      },
    );
    world.sandbox.faults.set({
      kind: 'error',
      status: 500,
      ...patchOf('rollouts'),
    });
    const res = await world.as(users.bob).post(`${path}/promote`, {});
    expectStatus(res, 503);
    expect(res.body.error.message).toContain(
      `untouched: live is ${before.live}`,
    );
    world.sandbox.faults.clear();
    const after = await world.as(users.bob).get(path);
    expect(after.body.live).toBe(before.live);
    expect(after.body.details).toMatchObject({ paused: true });
    expect(await world.hit('rollouts-demo', 'my-app-active')).toContain(
      'v1.0.0',
    );
  });

  it('argo-rollouts, a rollback whose own promote meets a conflict (the controller writing status): re-read, promoted, 200', async () => {
    const path = '/entities/default/component/my-app-rollout';
    const before = await waitFor('the new revision stable', async () => {
      const res = await world.as(users.bob).get(path);
      if (res.body?.promote?.allowed) {
        await world.as(users.bob).post(`${path}/promote`, {});
        return undefined;
      }
      return res.body?.rollback?.allowed && res.body;
    });
    // The undo goes through; the status patch of the promote that follows it meets one 409.
    world.sandbox.faults.set({
      kind: 'conflict',
      ...patchOf('rollouts'),
      path: '/status',
      count: 1,
    });
    const res = await world.as(users.bob).post(`${path}/rollback`, {});
    expectStatus(res, 200);
    expect(world.sandbox.faults.list()[0].hits).toBe(1);
    world.sandbox.faults.clear();
    expect(res.body.status.live).not.toBe(before.live);
    expect(await world.hit('rollouts-demo', 'my-app-active')).toContain(
      'v1.0.0',
    );
  });
});
