import {
  DATABASES,
  expectStatus,
  startWorld,
  users,
  waitFor,
  World,
} from '../__testUtils__/harness';
import { annotate, colorsAnswering, MY_APP } from '../__testUtils__/checks';

/**
 * The log signal against the sandbox: real traffic, pods whose faulted requests write ERROR lines
 * and stack lines to their logs, read by the plugin through the API server's pods/log. No
 * Prometheus, so that the log signal is the only criterion that can fire.
 */

jest.setTimeout(180_000);

/** Every pods/log request of the plugin answered 403, as without `get pods/log` in its role. */
const NO_POD_LOGS = {
  kind: 'error' as const,
  status: 403,
  path: /\/pods\/[^/]+\/log$/,
};

describe.each(DATABASES)('the log signal (%s)', database => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld({
      database,
      sandbox: { traffic: true },
      blueGreen: {
        checks: { requiredForPromote: false, cacheTtl: '0s' },
        logs: { window: '1m' },
        watch: {
          enabled: true,
          duration: '3m',
          evaluationInterval: '2s',
          criteria: { 'log-errors': { action: 'rollback', for: '10s' } },
        },
      },
    });
    await waitFor('my-app ready', async () => {
      const res = await world.as(users.alice).get(MY_APP);
      return res.status === 200 && res.body.colors.green.replicas.ready === 3;
    });
  }, 120_000);

  afterAll(async () => {
    await world?.stop();
  });

  const logCriterion = async () => {
    const res = await world.as(users.alice).get(MY_APP);
    expectStatus(res, 200);
    return {
      status: res.body,
      criterion: res.body.watch?.criteria?.find(
        (c: any) => c.id === 'log-errors',
      ),
    };
  };
  const logItem = async () => {
    const res = await world
      .as(users.alice)
      .get(`${MY_APP}/checklist?phase=post`);
    expectStatus(res, 200);
    expect(res.body.color).toBe('green');
    return res.body.items.find((i: any) => i.id === 'log-errors');
  };

  it('is unknown without the pods/log permission and never rolls back; with it, a spike fails the post-deploy item and rolls back', async () => {
    expectStatus(
      await world.as(users.alice).post(`${MY_APP}/promote`, {}),
      200,
    );
    world.sandbox.faults.set(NO_POD_LOGS);
    // Green fails half of its requests: each writes an ERROR line and a stack line.
    await annotate(world, 'my-app-green', {
      'sandbox.bluegreen.dev/error-rate': '0.5',
    });

    // Without the permission: unknown, saying why, in the watch and in the checklist.
    const denied = await waitFor('the criterion unknown', async () => {
      const { criterion } = await logCriterion();
      return criterion?.status === 'unknown' && criterion;
    });
    expect(denied.observed).toMatch(
      /^could not read the logs of my-app-green-.*get pods\/log .*forbidden.*Blue\/Green ClusterRole/,
    );
    const unknownItem = await logItem();
    expect(unknownItem.status).toBe('unknown');
    expect(unknownItem.message).toContain('pods/log');
    // Well past the criterion's 10 s, long enough for the spike to be seen if logs were read.
    await new Promise(r => setTimeout(r, 40_000));
    const still = await logCriterion();
    expect(still.criterion).toMatchObject({ status: 'unknown', firing: false });
    expect(still.status.live).toBe('green');
    expect(still.status.watch.state).toBe('running');
    expect(await colorsAnswering(world)).toEqual(['green']);

    // The permission is back: the spike is seen...
    world.sandbox.faults.clear();
    const failing = await waitFor('the criterion failing', async () => {
      const { criterion } = await logCriterion();
      return criterion?.status === 'fail' && criterion;
    });
    expect(failing.firing).toBe(false);
    // ...as a failing post-deploy item while the criterion waits its 10 s.
    const item = await logItem();
    expect(item).toMatchObject({
      status: 'fail',
      required: true,
      evidence: { type: 'logs' },
    });
    expect(parseFloat(item.observed)).toBeGreaterThan(10);
    expect(item.evidence.detail).toContain(
      'kubectl logs -n default my-app-green-',
    );
    expect(item.evidence.detail).toContain('e.g. ERROR "GET');

    // ...and rolls back once it has held for 10 s.
    const rolledBack = await waitFor(
      'an automatic rollback by the log signal',
      async () => {
        const res = await world
          .as(users.alice)
          .get(`${MY_APP}/history?limit=20`);
        return res.body.items.find(
          (e: any) => e.action === 'auto-rollback' && e.outcome === 'succeeded',
        );
      },
      60_000,
    );
    expect(rolledBack.details.evidence.criteria.map((c: any) => c.id)).toEqual([
      'log-errors',
    ]);
    expect(rolledBack.reason).toContain('Error-log spike');
    expect(await colorsAnswering(world)).toEqual(['blue']);
    const after = await world.as(users.alice).get(MY_APP);
    expect(after.body.live).toBe('blue');
    expect(after.body.watch.state).toBe('rolled-back');
    expect(after.body.failedVersion).toMatchObject({ color: 'green' });
  });
});
