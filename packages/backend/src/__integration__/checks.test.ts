import {
  expectStatus,
  startWorld,
  users,
  waitFor,
  World,
} from '../__testUtils__/harness';
import {
  annotate,
  CHECKS,
  colorsAnswering,
  metricsReady,
  MY_APP,
  REQUIRED_MANUAL,
  signOffAll,
} from '../__testUtils__/checks';

/**
 * Checklists, sign-offs, the post-promote watch and automatic rollback, against the sandbox with
 * real traffic and a real Prometheus (Debian's) scraping it every second.
 */

describe('checklists and automatic rollback', () => {
  let world: World;

  beforeEach(async () => {
    world = await startWorld({
      database: 'sqlite',
      prometheus: true,
      blueGreen: CHECKS,
    });
    await waitFor('my-app ready', async () => {
      const res = await world.as(users.alice).get(MY_APP);
      return res.status === 200 && res.body.colors.green.replicas.ready === 3;
    });
    await metricsReady(world);
  }, 120_000);

  afterEach(async () => {
    await world?.stop();
  });

  it('passes the automatic items of a healthy green and promotes once the manual items are signed off', async () => {
    const checklist = await world.as(users.alice).get(`${MY_APP}/checklist`);
    expectStatus(checklist, 200);
    expect(checklist.body.color).toBe('green');
    const byId = Object.fromEntries(
      checklist.body.items.map((i: any) => [i.id, i]),
    );
    for (const id of [
      'pods-ready',
      'replicas',
      'health-endpoint',
      'cpu',
      'memory',
      'metrics-available',
    ]) {
      expect([id, byId[id].status]).toEqual([id, 'pass']);
    }
    expect(byId.cpu.evidence.query).toContain(
      'container_cpu_usage_seconds_total',
    );
    expect(byId['smoke-test']).toMatchObject({
      kind: 'manual',
      required: true,
      status: 'pending',
    });
    expect(checklist.body.status).toBe('pending');

    // Promote is refused, naming what is missing; nothing moves.
    const refused = await world.as(users.alice).post(`${MY_APP}/promote`, {});
    expectStatus(refused, 409);
    expect(refused.body.error.message).toContain(
      'Smoke test passed (smoke-test)',
    );
    expect(await colorsAnswering(world)).toEqual(['blue']);

    // A reader (not an owner) may not sign off.
    expectStatus(
      await world
        .as(users.bob)
        .post(`${MY_APP}/checklist/smoke-test/sign-off`, { note: 'x' }),
      403,
    );

    await signOffAll(world, users.alice);
    const signed = await world.as(users.alice).get(`${MY_APP}/checklist`);
    expect(signed.body.status).toBe('pass');
    expect(
      signed.body.items.find((i: any) => i.id === 'smoke-test').signOff,
    ).toMatchObject({ by: users.alice, note: 'checked smoke-test' });

    const promoted = await world
      .as(users.alice)
      .post(`${MY_APP}/promote`, { reason: 'release 1.1' });
    expectStatus(promoted, 200);
    expect(promoted.body.entry.details.checklist.status).toBe('pass');
    expect(promoted.body.status.watch).toMatchObject({
      state: 'running',
      promotedTo: 'green',
      autoRollback: true,
    });
    expect(await colorsAnswering(world)).toEqual(['green']);

    // The fleet shows the running watch and the last pre-deploy result (of the new idle color).
    const fleet = await world.as(users.alice).get('/fleet');
    expectStatus(fleet, 200);
    const row = fleet.body.rows.find(
      (r: any) => r.entityRef === 'component:default/my-app',
    );
    expect(row.watch).toMatchObject({ state: 'running' });
    // Blue is the idle color now, and its version has no sign-offs.
    expect(row.preDeploy).toBe('pending');

    // The sign-offs are in the history, by whom.
    const history = await world
      .as(users.alice)
      .get(`${MY_APP}/history?limit=50`);
    const signOffs = history.body.items.filter(
      (e: any) => e.action === 'sign-off' && e.outcome === 'succeeded',
    );
    expect(signOffs).toHaveLength(REQUIRED_MANUAL.length);
    expect(signOffs[0].actor).toBe(users.alice);
  }, 120_000);

  it('withdraws a sign-off, and a new green version starts unsigned', async () => {
    await signOffAll(world, users.alice);
    const withdrawn = await world
      .as(users.alice)
      .raw('delete', `/api/blue-green${MY_APP}/checklist/smoke-test/sign-off`);
    expectStatus(withdrawn, 200);
    expect(
      withdrawn.body.items.find((i: any) => i.id === 'smoke-test').status,
    ).toBe('pending');
    expectStatus(
      await world
        .as(users.alice)
        .raw(
          'delete',
          `/api/blue-green${MY_APP}/checklist/smoke-test/sign-off`,
        ),
      404,
    );

    // Deploy another version to green: its checklist has no sign-offs.
    await world.kube(
      '/apis/apps/v1/namespaces/default/deployments/my-app-green',
      {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/strategic-merge-patch+json' },
        body: JSON.stringify({
          spec: {
            template: {
              metadata: { labels: { version: 'v1.2.0' } },
              spec: { containers: [{ name: 'app', image: 'my-app:1.2.0' }] },
            },
          },
        }),
      },
    );
    const fresh = await waitFor('green v1.2.0', async () => {
      const res = await world.as(users.alice).get(`${MY_APP}/checklist`);
      return res.body.version === 'v1.2.0' && res.body;
    });
    expect(
      fresh.items.filter((i: any) => i.signOff).map((i: any) => i.id),
    ).toEqual([]);
  }, 120_000);

  it('rolls back by itself when green starts failing 5 % of requests', async () => {
    await signOffAll(world, users.alice);
    expectStatus(
      await world.as(users.alice).post(`${MY_APP}/promote`, {}),
      200,
    );
    expect(await colorsAnswering(world)).toEqual(['green']);

    await annotate(world, 'my-app-green', {
      'sandbox.bluegreen.dev/error-rate': '0.05',
    });
    const rolledBack = await waitFor(
      'an automatic rollback',
      async () => {
        const res = await world
          .as(users.alice)
          .get(`${MY_APP}/history?limit=50`);
        return res.body.items.find(
          (e: any) => e.action === 'auto-rollback' && e.outcome === 'succeeded',
        );
      },
      60_000,
    );
    expect(await colorsAnswering(world)).toEqual(['blue']);
    const criterion = rolledBack.details.evidence.criteria.find(
      (c: any) => c.id === 'error-rate',
    );
    expect(criterion.evidence.query).toContain('http_requests_total');
    const observed = parseFloat(criterion.observed);
    expect(observed).toBeGreaterThan(1);
    expect(observed).toBeLessThan(20);
    expect(rolledBack.actor).toMatch(/^plugin:/);

    const status = await world.as(users.alice).get(MY_APP);
    expect(status.body.live).toBe('blue');
    expect(status.body.watch).toMatchObject({ state: 'rolled-back' });
    expect(status.body.watch.result).toContain('5xx ratio');
  }, 150_000);

  it('resumes a watch after a backend restart and still rolls back', async () => {
    await signOffAll(world, users.alice);
    expectStatus(
      await world.as(users.alice).post(`${MY_APP}/promote`, {}),
      200,
    );
    await world.restartBackend();
    await annotate(world, 'my-app-green', {
      'sandbox.bluegreen.dev/error-rate': '0.05',
    });
    await waitFor(
      'an automatic rollback after the restart',
      async () => {
        const res = await world.as(users.alice).get(MY_APP);
        return (
          res.body.live === 'blue' && res.body.watch?.state === 'rolled-back'
        );
      },
      60_000,
    );
    expect(await colorsAnswering(world)).toEqual(['blue']);
  }, 150_000);

  it('says unknown, never pass, when Prometheus is down — and does not roll back', async () => {
    await signOffAll(world, users.alice);
    expectStatus(
      await world.as(users.alice).post(`${MY_APP}/promote`, {}),
      200,
    );
    await world.prometheus!.stop();
    await annotate(world, 'my-app-green', {
      'sandbox.bluegreen.dev/error-rate': '0.05',
    });

    const post = await world
      .as(users.alice)
      .get(`${MY_APP}/checklist?phase=post`);
    expectStatus(post, 200);
    const errorRate = post.body.items.find((i: any) => i.id === 'error-rate');
    expect(errorRate.status).toBe('unknown');
    expect(post.body.status).toBe('unknown');
    expect(post.body.warnings.join(' ')).toContain('unreachable');

    // Several evaluations later, the watch has seen the outage and stayed put.
    const watched = await waitFor(
      'watch evaluations without Prometheus',
      async () => {
        const res = await world.as(users.alice).get(MY_APP);
        const c = res.body.watch?.criteria?.find(
          (x: any) => x.id === 'error-rate',
        );
        return c?.status === 'unknown' && res.body;
      },
      30_000,
    );
    await new Promise(r => setTimeout(r, 6000));
    const after = await world.as(users.alice).get(MY_APP);
    expect(after.body.live).toBe('green');
    expect(after.body.watch.state).toBe('running');
    expect(
      watched.watch.criteria.find((c: any) => c.id === 'error-rate').firing,
    ).toBe(false);
  }, 150_000);

  it('refuses rollback once the contract phase is signed off, with the reason', async () => {
    await signOffAll(world, users.alice);
    expectStatus(
      await world.as(users.alice).post(`${MY_APP}/promote`, {}),
      200,
    );
    const post = await world
      .as(users.alice)
      .post(`${MY_APP}/checklist/contract/sign-off`, {
        note: 'dropped old columns',
      });
    expectStatus(post, 200);
    expect(post.body.phase).toBe('post');

    const refused = await world.as(users.alice).post(`${MY_APP}/rollback`, {});
    expectStatus(refused, 409);
    expect(refused.body.error.message).toContain('contract phase');
    expect(await colorsAnswering(world)).toEqual(['green']);

    // Nor does the watch roll back by itself: it stops and the owners are told.
    await annotate(world, 'my-app-green', {
      'sandbox.bluegreen.dev/error-rate': '0.05',
    });
    const stopped = await waitFor(
      'the watch giving up on the rollback',
      async () => {
        const res = await world.as(users.alice).get(MY_APP);
        return res.body.watch?.state === 'stopped' && res.body;
      },
      60_000,
    );
    expect(stopped.watch.result).toContain('automatic rollback failed');
    expect(stopped.watch.result).toContain('contract phase');
    expect(stopped.live).toBe('green');
  }, 120_000);

  it('serves metrics per color, and monitoring rules and a dashboard', async () => {
    // The chart shows blue's traffic once Prometheus has a few samples in the step's window.
    const metrics = await waitFor(
      'blue requests per second in the chart',
      async () => {
        const res = await world
          .as(users.alice)
          .get(`${MY_APP}/metrics?range=2m&step=5s`);
        expectStatus(res, 200);
        const rps = res.body.series.find(
          (s: any) => s.metric === 'rps' && s.color === 'blue',
        );
        return (
          rps?.points.some(([, v]: [number, number | null]) => (v ?? 0) > 0) &&
          res
        );
      },
      30_000,
    );
    expect(metrics.body.series).toHaveLength(6);
    expect(metrics.body.queries.p99).toContain('histogram_quantile(0.99');
    // The 5xx chart is drawn against the watch's rollback threshold (1 % by default).
    expect(metrics.body.thresholds).toEqual({ errorRatio: 0.01 });
    expectStatus(
      await world.as(users.alice).get(`${MY_APP}/metrics?range=abc`),
      400,
    );

    const rules = await world
      .as(users.alice)
      .get(`${MY_APP}/monitoring/prometheus-rules`);
    expectStatus(rules, 200);
    expect(rules.body.kind).toBe('PrometheusRule');
    const high = rules.body.spec.groups[0].rules.find(
      (r: any) => r.alert === 'BlueGreenHighErrorRate',
    );
    // The rule's expression runs on the real Prometheus.
    const res = await fetch(
      `${world.prometheus!.url}/api/v1/query?query=${encodeURIComponent(
        high.expr,
      )}`,
    );
    expect((await res.json()).status).toBe('success');

    const dashboard = await world
      .as(users.alice)
      .get(`${MY_APP}/monitoring/grafana-dashboard`);
    expectStatus(dashboard, 200);
    expect(dashboard.body.panels.map((p: any) => p.title)).toEqual([
      'Requests per second by color',
      '5xx ratio by color',
      'P99 latency by color',
    ]);
  }, 120_000);
});
