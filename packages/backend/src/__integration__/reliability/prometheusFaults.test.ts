import {
  annotate,
  CHECKS,
  colorsAnswering,
  metricsReady,
  MY_APP,
  signOffAll,
} from '../../__testUtils__/checks';
import {
  PrometheusFault,
  startFaultyPrometheus,
} from '../../__testUtils__/faultyPrometheus';
import {
  expectStatus,
  startWorld,
  users,
  waitFor,
  World,
} from '../../__testUtils__/harness';

/**
 * Issue 8, Prometheus faults: down, slow, erroring, answering NaN or garbage. Every metric item is
 * `unknown` — never `pass` — and the post-promote watch does not roll back on missing data, even
 * though green really is failing; once Prometheus answers again, the watch does roll back.
 */

jest.setTimeout(240_000);

const FAULTS: PrometheusFault[] = ['down', 'slow', 'error', 'nan', 'garbage'];

/** Items whose status comes from Prometheus. */
const METRIC_ITEMS = {
  pre: ['cpu', 'memory', 'metrics-available'],
  post: [
    'error-rate',
    'client-errors',
    'latency-p99',
    'rps',
    'restarts',
    'oom-kills',
  ],
};

describe('Prometheus faults', () => {
  let world: World;
  let prometheus: Awaited<ReturnType<typeof startFaultyPrometheus>>;

  beforeAll(async () => {
    prometheus = await startFaultyPrometheus({ slowMs: 4000 });
    world = await startWorld({
      database: 'sqlite',
      prometheus: true,
      blueGreen: {
        ...CHECKS,
        watch: { ...CHECKS.watch, duration: '10m' },
        prometheus: { url: prometheus.url, timeout: '1500ms' },
      },
    });
    prometheus.setTarget(world.prometheus!.url);
    await waitFor('my-app ready', async () => {
      const res = await world.as(users.alice).get(MY_APP);
      return res.status === 200 && res.body.colors.green.replicas.ready === 3;
    });
    await metricsReady(world);
  }, 120_000);

  afterAll(async () => {
    await world?.stop();
    await prometheus?.stop();
  });

  /** Waits for two more watch evaluations; returns the watch after them. */
  async function twoEvaluations(fault: PrometheusFault) {
    const seenAt = (await world.as(users.alice).get(MY_APP)).body.watch
      .lastEvaluatedAt;
    let evaluations = 0;
    let last = seenAt;
    return waitFor(
      `two watch evaluations with Prometheus ${fault}`,
      async () => {
        const res = await world.as(users.alice).get(MY_APP);
        if (res.body.watch.lastEvaluatedAt !== last) {
          last = res.body.watch.lastEvaluatedAt;
          evaluations++;
        }
        return evaluations >= 2 && res.body.watch;
      },
      40_000,
    );
  }

  it('says unknown for every metric, never pass, and does not roll back on missing data', async () => {
    await signOffAll(world, users.alice);
    const promoted = await world.as(users.alice).post(`${MY_APP}/promote`, {});
    expectStatus(promoted, 200);
    expect(promoted.body.status.watch).toMatchObject({
      state: 'running',
      autoRollback: true,
    });

    for (const [index, fault] of FAULTS.entries()) {
      await prometheus.set(fault);
      // Green really fails from the first fault on: only missing data stands between it and a
      // rollback.
      if (index === 0) {
        await annotate(world, 'my-app-green', {
          'sandbox.bluegreen.dev/error-rate': '0.05',
        });
      }
      const queriesBefore = prometheus.queries();

      for (const phase of ['pre', 'post'] as const) {
        const list = await world
          .as(users.alice)
          .get(`${MY_APP}/checklist?phase=${phase}`);
        expectStatus(list, 200);
        const statuses = METRIC_ITEMS[phase].map(id => [
          fault,
          id,
          list.body.items.find((i: any) => i.id === id)?.status,
        ]);
        expect(statuses).toEqual(
          METRIC_ITEMS[phase].map(id => [fault, id, 'unknown']),
        );
        expect(list.body.status).not.toBe('pass');
        expect(list.body.warnings.length).toBeGreaterThan(0);
      }

      // Two watch evaluations under the fault: the 5xx criterion is unknown, nothing rolls back.
      const watch = await twoEvaluations(fault);
      expect([fault, watch.state]).toEqual([fault, 'running']);
      const errorRate = watch.criteria.find((c: any) => c.id === 'error-rate');
      expect([fault, errorRate.status, errorRate.firing]).toEqual([
        fault,
        'unknown',
        false,
      ]);
      // The plugin did ask (a refused connection never reaches the stand-in).
      expect([fault, prometheus.queries() > queriesBefore]).toEqual([
        fault,
        fault !== 'down',
      ]);
      expect(await colorsAnswering(world)).toEqual(['green']);
    }

    const history = await world
      .as(users.alice)
      .get(`${MY_APP}/history?limit=50`);
    expect(
      history.body.items.filter((e: any) => e.action === 'auto-rollback'),
    ).toEqual([]);

    // Prometheus answers again: the same failure is now seen, and the watch acts on it.
    await prometheus.set('none');
    await waitFor(
      'the automatic rollback once Prometheus is back',
      async () => {
        const res = await world.as(users.alice).get(MY_APP);
        return (
          res.body.live === 'blue' && res.body.watch.state === 'rolled-back'
        );
      },
      60_000,
    );
    expect(await colorsAnswering(world)).toEqual(['blue']);
  });
});
