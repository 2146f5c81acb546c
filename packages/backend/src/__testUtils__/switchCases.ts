/* eslint-disable jest/no-export -- a library of cases, run by the suites that import it */
/**
 * The color-switch cases of every strategy, run against any world: the sandbox (switch.test.ts)
 * and a real control plane (control-plane/switch.test.ts).
 */
import { EntityStatus } from '@bluegreen-backstage/plugin-blue-green-common';
import { expectStatus, users, waitFor, World } from './harness';

/** What the cases use of a world. */
export type SwitchWorld = Pick<World, 'as' | 'kube' | 'hit' | 'restartBackend'>;

const MY_APP = '/entities/default/component/my-app';
const ROLLOUT = '/entities/default/component/my-app-rollout';
const MESH = '/entities/default/component/my-app-mesh';

export async function statusOf(
  world: SwitchWorld,
  path: string,
  user = users.alice,
) {
  const res = await world.as(user).get(path);
  if (res.status !== 200) {
    throw new Error(
      `GET ${path} answered ${res.status}: ${JSON.stringify(res.body)}`,
    );
  }
  return res.body as EntityStatus;
}

/** Waits until both colors of an entity have every replica ready. */
export async function ready(world: SwitchWorld, path: string) {
  return waitFor(`both colors of ${path} ready`, async () => {
    const status = await statusOf(world, path, users.carol);
    return (
      status.colors.blue.replicas.ready ===
        status.colors.blue.replicas.desired &&
      status.colors.green.replicas.ready > 0 &&
      status.colors.green.replicas.ready ===
        status.colors.green.replicas.desired &&
      status
    );
  });
}

export function switchCases(getWorld: () => SwitchWorld) {
  let world: SwitchWorld;
  beforeAll(() => {
    world = getWorld();
  });

  it('service-selector: promote then rollback moves real traffic, history records both', async () => {
    const before = await ready(world, MY_APP);
    expect(before.live).toBe('blue');
    expect(before.colors.green.version).toBe('v1.1.0');
    expect(await world.hit('default', 'my-app')).toContain('v1.0.0');

    const promoted = await world.as(users.alice).post(`${MY_APP}/promote`, {
      revision: before.revision,
      reason: 'release 1.1.0',
    });
    expectStatus(promoted, 200);
    expect(promoted.body.verification.verified).toBe(true);
    expect(promoted.body.status.live).toBe('green');
    const service = await world.kube(
      '/api/v1/namespaces/default/services/my-app',
    );
    expect(service.spec.selector.color).toBe('green');
    for (let i = 0; i < 5; i++) {
      expect(await world.hit('default', 'my-app')).toContain('v1.1.0');
    }
    // The answer's status (composed from the patch's answer, not read again) is what a fresh read
    // shows, down to the revision token the next switch is checked against.
    const decided = (s: EntityStatus) => ({
      live: s.live,
      revision: s.revision,
      colors: s.colors,
      details: s.details,
      problems: s.problems,
      promote: s.promote,
      rollback: s.rollback,
      scaleDown: s.scaleDown,
    });
    expect(decided(promoted.body.status)).toEqual(
      decided(await statusOf(world, MY_APP)),
    );

    const rolledBack = await world.as(users.alice).post(`${MY_APP}/rollback`, {
      revision: promoted.body.status.revision,
      reason: 'errors on checkout',
    });
    expectStatus(rolledBack, 200);
    expect(rolledBack.body.status.live).toBe('blue');
    expect(await world.hit('default', 'my-app')).toContain('v1.0.0');

    const history = await world.as(users.alice).get(`${MY_APP}/history`);
    expect(history.body.items.slice(0, 2)).toEqual([
      expect.objectContaining({
        action: 'rollback',
        from: 'green',
        to: 'blue',
        actor: users.alice,
        outcome: 'succeeded',
        reason: 'errors on checkout',
      }),
      expect.objectContaining({
        action: 'promote',
        from: 'blue',
        to: 'green',
        outcome: 'succeeded',
        reason: 'release 1.1.0',
      }),
    ]);
  });

  it('argo-rollouts: promote then rollback (undo) moves traffic between revisions', async () => {
    const before = await waitFor(
      'the rollout paused with a ready preview',
      async () => {
        const s = await statusOf(world, ROLLOUT, users.bob);
        return s.promote.allowed && s;
      },
    );
    expect(before.details).toMatchObject({
      strategy: 'argo-rollouts',
      paused: true,
    });
    const liveBefore = before.live as 'blue' | 'green';
    expect(await world.hit('rollouts-demo', 'my-app-active')).toContain(
      'v1.0.0',
    );
    expect(await world.hit('rollouts-demo', 'my-app-preview')).toContain(
      'v1.1.0',
    );

    const promoted = await world.as(users.bob).post(`${ROLLOUT}/promote`, {
      revision: before.revision,
    });
    expectStatus(promoted, 200);
    expect(promoted.body.verification.verified).toBe(true);
    expect(promoted.body.status.live).not.toBe(liveBefore);
    expect(await world.hit('rollouts-demo', 'my-app-active')).toContain(
      'v1.1.0',
    );

    await waitFor('the new revision to become stable', async () => {
      const s = await statusOf(world, ROLLOUT, users.bob);
      return s.rollback.allowed && s;
    });
    const rolledBack = await world
      .as(users.bob)
      .post(`${ROLLOUT}/rollback`, {});
    expectStatus(rolledBack, 200);
    expect(rolledBack.body.verification.verified).toBe(true);
    expect(await world.hit('rollouts-demo', 'my-app-active')).toContain(
      'v1.0.0',
    );

    const history = await world.as(users.bob).get(`${ROLLOUT}/history`);
    expect(history.body.items.map((e: any) => [e.action, e.outcome])).toEqual([
      ['rollback', 'succeeded'],
      ['promote', 'succeeded'],
    ]);
    // What was sent is what `kubectl argo rollouts` sends.
    expect(history.body.items[1].details.requests[0]).toMatchObject({
      description: expect.stringContaining('kubectl argo rollouts promote'),
      patch: { status: { pauseConditions: null } },
    });
    expect(
      history.body.items[0].details.requests.map((r: any) => r.description),
    ).toEqual([
      expect.stringContaining('kubectl argo rollouts undo'),
      expect.stringContaining('kubectl argo rollouts promote'),
    ]);
  });

  it('istio: a stepped promote and a rollback move the VirtualService weights and real traffic', async () => {
    const before = await ready(world, MESH);
    expect(before.live).toBe('blue');
    expect(await world.hit('istio-demo', 'my-app')).toContain('v1.0.0');

    const promoted = await world.as(users.bob).post(`${MESH}/promote`, {
      steps: [10, 50, 100],
      stepIntervalSeconds: 0,
    });
    expectStatus(promoted, 200);
    expect(promoted.body.status.live).toBe('green');
    const vs = await world.kube(
      '/apis/networking.istio.io/v1/namespaces/istio-demo/virtualservices/my-app',
    );
    const weights = vs.spec.http
      .find((r: any) => !r.match)
      .route.map((d: any) => [d.destination.subset, d.weight]);
    expect(weights).toEqual([
      ['blue', 0],
      ['green', 100],
    ]);
    expect(
      promoted.body.entry.details.requests.map((r: any) => r.description),
    ).toEqual([
      expect.stringContaining('green 10%'),
      expect.stringContaining('green 50%'),
      expect.stringContaining('green 100%'),
    ]);
    for (let i = 0; i < 5; i++) {
      expect(await world.hit('istio-demo', 'my-app')).toContain('v1.1.0');
    }

    const rolledBack = await world.as(users.bob).post(`${MESH}/rollback`, {});
    expectStatus(rolledBack, 200);
    expect(rolledBack.body.status.live).toBe('blue');
    expect(await world.hit('istio-demo', 'my-app')).toContain('v1.0.0');
  });

  it('two concurrent promotes: exactly one succeeds, the other gets 409', async () => {
    // Green's version was rolled back above: a new one is promotable.
    expectStatus(
      await world
        .as(users.alice)
        .post(`${MY_APP}/deploy`, { image: 'my-app:1.1.1' }),
      200,
    );
    const before = await waitFor('green 1.1.1 ready', async () => {
      const s = await ready(world, MY_APP);
      return s.colors.green.version === '1.1.1' && s.promote.allowed && s;
    });
    expect(before.live).toBe('blue');
    const [a, b] = await Promise.all([
      world.as(users.alice).post(`${MY_APP}/promote`, {}),
      world.as(users.carol).post(`${MY_APP}/promote`, {}),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    expect(loser.body.error.message).toMatch(/refused|changed|in progress/);
    const after = await statusOf(world, MY_APP);
    expect(after.live).toBe('green');
    await world.as(users.alice).post(`${MY_APP}/rollback`, {}).expect(200);
  });

  it('a user without permission gets 403 and the Service is not written', async () => {
    const service = await world.kube(
      '/api/v1/namespaces/default/services/my-app',
    );
    const res = await world.as(users.bob).post(`${MY_APP}/promote`, {});
    expectStatus(res, 403);
    expect(res.body.error.name).toBe('NotAllowedError');
    const after = await world.kube(
      '/api/v1/namespaces/default/services/my-app',
    );
    expect(after.metadata.resourceVersion).toBe(
      service.metadata.resourceVersion,
    );
    // The tab explains it: reading is allowed for everyone.
    expect((await statusOf(world, MY_APP, users.bob)).live).toBe('blue');
  });

  it('refuses to promote a color that is not ready; a platform user may force it, recorded as forced', async () => {
    // Break green's readiness the Kubernetes way: an annotation on its Deployment.
    await world.kube(
      '/apis/apps/v1/namespaces/default/deployments/test-deployment-green',
      {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/merge-patch+json' },
        body: JSON.stringify({
          metadata: {
            annotations: { 'sandbox.bluegreen.dev/readiness-fail': 'true' },
          },
        }),
      },
    );
    const path = '/entities/default/component/test-pod';
    await waitFor('green pods to go unready', async () => {
      const s = await statusOf(world, path);
      return (
        s.colors.green.replicas.ready < s.colors.green.replicas.desired && s
      );
    });

    const refused = await world.as(users.alice).post(`${path}/promote`, {});
    expectStatus(refused, 409);
    expect(refused.body.error.message).toMatch(
      /green is not ready: \d\/\d replicas ready/,
    );

    const ownerForce = await world
      .as(users.alice)
      .post(`${path}/promote`, { force: true });
    expectStatus(ownerForce, 403);

    const forced = await world.as(users.carol).post(`${path}/promote`, {
      force: true,
      reason: 'hotfix, readiness probe is wrong',
    });
    expectStatus(forced, 200);
    expect(forced.body.entry).toMatchObject({
      forced: true,
      outcome: 'succeeded',
      to: 'green',
    });
    expect(forced.body.entry.details.forcedPast).toEqual([
      expect.stringMatching(/green is not ready/),
    ]);
    const service = await world.kube(
      '/api/v1/namespaces/default/services/test-service',
    );
    expect(service.spec.selector.color).toBe('green');
  });

  it('keeps history across a backend restart', async () => {
    const before = await world
      .as(users.alice)
      .get(`${MY_APP}/history?limit=50`);
    expect(before.body.total).toBeGreaterThanOrEqual(4);
    await world.restartBackend();
    const after = await world.as(users.alice).get(`${MY_APP}/history?limit=50`);
    expectStatus(after, 200);
    expect(after.body.items).toEqual(before.body.items);
  });
}
