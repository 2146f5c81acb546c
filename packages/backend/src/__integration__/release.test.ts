import {
  expectStatus,
  startWorld,
  users,
  waitFor,
  World,
} from '../__testUtils__/harness';
import { MY_APP } from '../__testUtils__/checks';

/**
 * The parts of a release around the switch itself, against the sandbox with real traffic and a
 * real Prometheus: a stepped Istio shift analysed at every step (a failing step returns all
 * traffic, a shift can be cancelled or rolled back), the previous color kept until the watch
 * passed, and a color an HPA scales.
 */

jest.setTimeout(180_000);

const MESH = '/entities/default/component/my-app-mesh';
const VIRTUAL_SERVICE =
  '/apis/networking.istio.io/v1/namespaces/istio-demo/virtualservices/my-app';
const MESH_GREEN =
  '/apis/apps/v1/namespaces/istio-demo/deployments/my-app-green';

async function weights(world: World): Promise<Record<string, number>> {
  const vs = await world.kube(VIRTUAL_SERVICE);
  return Object.fromEntries(
    vs.spec.http
      .find((r: any) => !r.match)
      .route.map((d: any) => [d.destination.subset, d.weight]),
  );
}

/** Starts a stepped promote of the mesh (its answer comes once the shift ended), waits for 10 %. */
async function shiftToTenPercent(
  world: World,
  body: object = {},
  user = users.bob,
) {
  const promoting = world
    .as(user)
    .post(`${MESH}/promote`, {
      steps: [10, 50, 100],
      stepIntervalSeconds: 60,
      ...body,
    })
    .then(res => res);
  let answered: any;
  void promoting.then(res => {
    answered = res;
  });
  await waitFor('green at 10 %', async () => {
    if (answered) {
      throw new Error(
        `the promote ended: ${answered.status} ${JSON.stringify(
          answered.body,
        )}`,
      );
    }
    const w = await weights(world);
    return w.green === 10 && w.blue === 90;
  });
  // Wrapped: an async function would wait for a promise it returns.
  return { promoting };
}

describe('a release: stepped shifts, scale-down and HPAs', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld({
      database: 'sqlite',
      prometheus: true,
      blueGreen: {
        checks: {
          requiredForPromote: false,
          window: '30s',
          cacheTtl: '0s',
          // A business-style check of the platform's own: the share of requests answered
          // within 100 ms, a rollback criterion of every entity.
          custom: {
            'fast-answers': {
              title: 'Requests answered within 100 ms',
              query:
                'sum by ({{group}}) (rate(http_request_duration_seconds_bucket{ {{selector}},le="0.1" }[{{window}}])) / (sum by ({{group}}) (rate(http_request_duration_seconds_count{ {{selector}} }[{{window}}])) > 0)',
              min: 0.9,
              phases: ['post', 'rollback'],
              window: '10s',
              for: '2s',
              allEntities: true,
            },
          },
        },
        scaleDown: { enabled: true, delay: '0s', replicas: 0 },
        watch: {
          enabled: true,
          duration: '15s',
          evaluationInterval: '2s',
          rateWindow: '10s',
          criteria: { 'error-rate': { for: '2s' } },
        },
      },
    });
    const started = world;
    for (const path of [MESH, MY_APP]) {
      await waitFor(
        `${path} ready`,
        async () => {
          const res = await started.as(users.carol).get(path);
          const { blue, green } = res.body.colors ?? {};
          return (
            res.status === 200 &&
            blue.replicas.ready === blue.replicas.desired &&
            green.replicas.ready === green.replicas.desired
          );
        },
        60_000,
      );
    }
  }, 120_000);

  afterAll(async () => {
    await world?.stop();
  });

  it('cancels a running shift: all traffic back on blue, the watch started with the first step stops', async () => {
    const { promoting } = await shiftToTenPercent(world);
    const during = await world.as(users.bob).get(MESH);
    expectStatus(during, 200);
    expect(during.body.inProgress).toMatchObject({ action: 'promote' });
    expect(during.body.watch).toMatchObject({
      state: 'running',
      promotedTo: 'green',
    });

    const cancelled = await world
      .as(users.bob)
      .post(`${MESH}/shift/cancel`, { reason: 'wrong build' });
    expectStatus(cancelled, 200);
    expect(cancelled.body.status.live).toBe('blue');
    expect(await weights(world)).toEqual({ blue: 100, green: 0 });
    const promoted = await promoting;
    expectStatus(promoted, 409);
    expect(promoted.body.error.message).toContain('cancelled by');

    const after = await world.as(users.bob).get(MESH);
    expect(after.body.watch.state).toBe('stopped');
    // A cancel is not a verdict on the version: green stays promotable.
    expect(after.body.failedVersion).toBeUndefined();
    expectStatus(
      await world.as(users.bob).post(`${MESH}/shift/cancel`, {}),
      409,
    );
  });

  it('stops a shift whose step fails its analysis: traffic back on blue, the version marked failed', async () => {
    await world.kube(MESH_GREEN, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({
        metadata: {
          annotations: { 'sandbox.bluegreen.dev/error-rate': '0.5' },
        },
      }),
    });
    const started = Date.now();
    const promoted = await (await shiftToTenPercent(world)).promoting;
    expectStatus(promoted, 409);
    // Stopped during the first step's pause (60 s), not walked on to 50 %.
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(promoted.body.error.message).toMatch(
      /step 1 of 3 \(10 % on green\) failed its analysis: .*5xx ratio/,
    );
    expect(await weights(world)).toEqual({ blue: 100, green: 0 });

    const status = await world.as(users.bob).get(MESH);
    expect(status.body.live).toBe('blue');
    expect(status.body.watch.state).toBe('rolled-back');
    expect(status.body.failedVersion).toMatchObject({ color: 'green' });
    expect(status.body.promote.allowed).toBe(false);
    const history = await world.as(users.bob).get(`${MESH}/history`);
    const entry = history.body.items.find((e: any) => e.action === 'promote');
    expect(entry.outcome).toBe('failed');
    expect(entry.details.analysis).toMatchObject({ step: 1, share: 10 });
    // Only the first step was written, then the weights it read were written back.
    expect(entry.details.requests.map((r: any) => r.description)).toEqual([
      expect.stringContaining('green 10%'),
      expect.stringContaining('PATCH virtualservices/my-app'),
    ]);
  });

  it('rolls back during a shift: traffic back on blue at once', async () => {
    await world.kube(MESH_GREEN, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({
        metadata: { annotations: { 'sandbox.bluegreen.dev/error-rate': null } },
      }),
    });
    // Green's version failed above: promoting it again needs force (the platform team's).
    const { promoting } = await shiftToTenPercent(
      world,
      { force: true, reason: 'fixed by config' },
      users.carol,
    );
    const rolledBack = await world
      .as(users.bob)
      .post(`${MESH}/rollback`, { reason: 'customers complain' });
    expectStatus(rolledBack, 200);
    expect(rolledBack.body.status.live).toBe('blue');
    expect(rolledBack.body.status.failedVersion).toMatchObject({
      color: 'green',
      reason: 'customers complain',
    });
    expect(await weights(world)).toEqual({ blue: 100, green: 0 });
    expectStatus(await promoting, 409);
  });

  it('keeps the previous color until the watch passed; scaling it down meanwhile needs confirm', async () => {
    const promoted = await world.as(users.alice).post(`${MY_APP}/promote`, {});
    expectStatus(promoted, 200);
    const { status } = promoted.body;
    expect(status.watch.state).toBe('running');
    // The scale-down (delay 0s) is due once the watch can have passed, not at once.
    expect(status.scaleDown).toMatchObject({ color: 'blue', afterWatch: true });
    expect(Date.parse(status.scaleDown.at)).toBeGreaterThanOrEqual(
      Date.parse(status.watch.endsAt) - 1000,
    );
    const refused = await world
      .as(users.alice)
      .post(`${MY_APP}/scale`, { color: 'blue', replicas: 0 });
    expectStatus(refused, 409);
    expect(refused.body.error.message).toContain('confirm: true');
    await new Promise(r => setTimeout(r, 6000));
    const blue = await world.kube(
      '/apis/apps/v1/namespaces/default/deployments/my-app-blue',
    );
    expect(blue.spec.replicas).toBeGreaterThan(0);

    const passed = await waitFor(
      'the watch passed and blue scaled down',
      async () => {
        const res = await world.as(users.alice).get(MY_APP);
        return (
          res.body.watch.state === 'passed' &&
          res.body.colors.blue.replicas.desired === 0 &&
          res.body
        );
      },
      60_000,
    );
    expect(passed.live).toBe('green');
  });

  it('scales a color an HPA scales within the HPA bounds', async () => {
    await world.kube(
      '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers',
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          apiVersion: 'autoscaling/v2',
          kind: 'HorizontalPodAutoscaler',
          metadata: { name: 'my-app-blue', namespace: 'default' },
          spec: {
            scaleTargetRef: {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              name: 'my-app-blue',
            },
            minReplicas: 2,
            maxReplicas: 4,
          },
        }),
      },
    );
    const replicas = async () =>
      (
        await world.kube(
          '/apis/apps/v1/namespaces/default/deployments/my-app-blue',
        )
      ).spec.replicas;
    for (const [asked, expected] of [
      [1, 2],
      [9, 4],
      [3, 3],
      [0, 0],
    ]) {
      const res = await world
        .as(users.alice)
        .post(`${MY_APP}/scale`, { color: 'blue', replicas: asked });
      expectStatus(res, 200);
      expect([asked, await replicas()]).toEqual([asked, expected]);
    }
    const history = await world.as(users.alice).get(`${MY_APP}/history`);
    expect(
      history.body.items
        .filter((e: any) => e.action === 'scale' && e.outcome === 'succeeded')
        .flatMap((e: any) => e.details.requests.map((r: any) => r.description)),
    ).toContainEqual(
      expect.stringContaining(
        '1 asked; HorizontalPodAutoscaler my-app-blue keeps it between 2 and 4',
      ),
    );
  });

  it('rolls back when a custom check fails, with its evidence', async () => {
    // Blue back to a size the HPA allows, then slow: every answer takes 300 ms.
    expectStatus(
      await world
        .as(users.alice)
        .post(`${MY_APP}/scale`, { color: 'blue', replicas: 3 }),
      200,
    );
    await world.kube(
      '/apis/apps/v1/namespaces/default/deployments/my-app-blue',
      {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/merge-patch+json' },
        body: JSON.stringify({
          metadata: {
            annotations: { 'sandbox.bluegreen.dev/latency-ms': '300' },
          },
        }),
      },
    );
    await waitFor(
      'blue ready',
      async () => {
        const res = await world.as(users.alice).get(MY_APP);
        return (
          res.body.colors.blue.replicas.ready === 3 && res.body.promote.allowed
        );
      },
      30_000,
    );
    expectStatus(
      await world.as(users.alice).post(`${MY_APP}/promote`, {}),
      200,
    );
    const rolledBack = await waitFor(
      'an automatic rollback by the custom check',
      async () => {
        const res = await world
          .as(users.alice)
          .get(`${MY_APP}/history?limit=20`);
        return res.body.items.find(
          (e: any) => e.action === 'auto-rollback' && e.outcome === 'succeeded',
        );
      },
      30_000,
    );
    // The criteria that fired: the custom check alone (5xx and the rest pass).
    const fired = rolledBack.details.evidence.criteria;
    expect(fired.map((c: any) => c.id)).toEqual(['fast-answers']);
    expect(rolledBack.reason).toContain('Requests answered within 100 ms');
    const firing = fired;
    expect(firing[0]).toMatchObject({
      title: 'Requests answered within 100 ms',
      threshold: '>= 0.90 for 2 s',
    });
    expect(firing[0].evidence.query).toContain('le="0.1"');
    expect(parseFloat(firing[0].observed)).toBeLessThan(0.9);
    const status = await world.as(users.alice).get(MY_APP);
    expect(status.body.live).toBe('green');
    expect(status.body.failedVersion).toMatchObject({ color: 'blue' });
  });
});
