import {
  Sandbox,
  startPrometheus,
  startSandbox,
} from '@bluegreen-backstage/kube-sandbox';
import { CHECKS, REQUIRED_MANUAL } from '../../__testUtils__/checks';
import {
  backendConfig,
  databaseConfig,
  Replica,
  startReplica,
  users,
  waitFor,
} from '../../__testUtils__/harness';

/**
 * Issue 8, several backends on one PostgreSQL, each in a process of its own as in a Deployment
 * with replicas: the automatic-rollback watch runs once (one rollback, not two), and a replica
 * killed in the middle of a switch leaves a history entry that says what the cluster shows.
 */

jest.setTimeout(300_000);

const MY_APP = '/entities/default/component/my-app';
const MESH = '/entities/default/component/my-app-mesh';

async function json(res: Promise<Response>, expected = 200) {
  const response = await res;
  const body = await response.json();
  if (response.status !== expected) {
    throw new Error(
      `expected HTTP ${expected}, got ${response.status}: ${JSON.stringify(
        body,
      ).slice(0, 1500)}`,
    );
  }
  return body;
}

const post = (replica: Replica, user: string, path: string, body = {}) =>
  replica.fetch(user, path, { method: 'POST', body: JSON.stringify(body) });

describe('backend replicas sharing one PostgreSQL', () => {
  let sandbox: Sandbox;
  let prometheus: Awaited<ReturnType<typeof startPrometheus>>;
  const replicas: Replica[] = [];
  let config: object;

  beforeAll(async () => {
    if (!process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING) {
      throw new Error(
        'these tests need PostgreSQL: `. scripts/postgres.sh` starts one (scripts/test.sh does)',
      );
    }
    sandbox = await startSandbox({ podReadyDelayMs: 100, traffic: true });
    prometheus = await startPrometheus({
      httpSdUrl: sandbox.httpSdUrl,
      scrapeIntervalSeconds: 1,
    });
    config = backendConfig({
      sandbox,
      prometheus,
      database: databaseConfig('postgres'),
      blueGreen: {
        ...CHECKS,
        watch: { ...CHECKS.watch, evaluationInterval: '1s' },
        switch: {
          verifyTimeout: '10s',
          stepInterval: '0s',
          // A switch here takes well under a second: older than two, its backend is gone.
          interruptedAfter: '2s',
          sweepInterval: '1s',
        },
      },
    });
    // One after the other, as a rollout starts them: Backstage's migrations (the catalog's, ours)
    // take a lock that a second replica starting in the same instant fails on.
    replicas.push(await startReplica(config));
    replicas.push(await startReplica(config));
  }, 180_000);

  afterAll(async () => {
    await Promise.all(replicas.map(r => r.stop()));
    await prometheus?.stop();
    await sandbox?.stop();
  });

  it('runs the automatic rollback once, though both replicas evaluate the watch', async () => {
    const [a, b] = replicas;
    await waitFor(
      'my-app ready with metrics in Prometheus',
      async () => {
        const list = await json(a.fetch(users.alice, `${MY_APP}/checklist`));
        return ['pods-ready', 'metrics-available', 'cpu'].every(
          id => list.items.find((i: any) => i.id === id)?.status === 'pass',
        );
      },
      90_000,
    );
    for (const item of REQUIRED_MANUAL) {
      await json(
        post(a, users.alice, `${MY_APP}/checklist/${item}/sign-off`, {
          note: 'checked',
        }),
      );
    }
    // Promote through one replica; the other sees the same watch in the shared database.
    const promoted = await json(post(b, users.alice, `${MY_APP}/promote`));
    expect(promoted.status.watch).toMatchObject({ state: 'running' });
    const watchId = promoted.status.watch.id;
    expect((await json(a.fetch(users.alice, MY_APP))).watch).toMatchObject({
      id: watchId,
      state: 'running',
    });

    await fetch(
      `${sandbox.url}/apis/apps/v1/namespaces/default/deployments/my-app-green`,
      {
        method: 'PATCH',
        headers: {
          Authorization: `Bearer ${sandbox.token}`,
          'Content-Type': 'application/merge-patch+json',
        },
        body: JSON.stringify({
          metadata: {
            annotations: { 'sandbox.bluegreen.dev/error-rate': '0.05' },
          },
        }),
      },
    );
    await waitFor(
      'the automatic rollback',
      async () => {
        const status = await json(a.fetch(users.alice, MY_APP));
        return status.watch?.state === 'rolled-back' && status.live === 'blue';
      },
      90_000,
    );
    // A few more evaluation periods of both replicas: still exactly one rollback.
    await new Promise(r => setTimeout(r, 5000));
    for (const replica of replicas) {
      const history = await json(
        replica.fetch(users.alice, `${MY_APP}/history?limit=100`),
      );
      const rollbacks = history.items.filter(
        (e: any) => e.action === 'auto-rollback',
      );
      expect(rollbacks).toHaveLength(1);
      expect(rollbacks[0]).toMatchObject({
        outcome: 'succeeded',
        from: 'green',
        to: 'blue',
        details: { evidence: { watchId } },
      });
    }
    const service = await fetch(
      `${sandbox.url}/api/v1/namespaces/default/services/my-app`,
      { headers: { Authorization: `Bearer ${sandbox.token}` } },
    ).then(r => r.json());
    expect(service.spec.selector.color).toBe('blue');
  });

  it('a replica killed mid-switch leaves an entry that says what the cluster shows, and the switch can be finished', async () => {
    const [doomed, survivor] = replicas;
    const virtualService = `${sandbox.url}/apis/networking.istio.io/v1/namespaces/istio-demo/virtualservices/my-app`;
    const weights = async () => {
      const vs = await fetch(virtualService, {
        headers: { Authorization: `Bearer ${sandbox.token}` },
      }).then(r => r.json());
      return vs.spec.http
        .find((r: any) => !r.match)
        .route.map((d: any) => `${d.destination.subset} ${d.weight}`)
        .join(', ');
    };
    for (const item of REQUIRED_MANUAL) {
      await json(
        post(doomed, users.bob, `${MESH}/checklist/${item}/sign-off`, {
          note: 'checked',
        }),
      );
    }
    await waitFor(
      'my-app-mesh ready to promote',
      async () => {
        const status = await json(doomed.fetch(users.bob, MESH));
        return status.promote.allowed;
      },
      60_000,
    );
    expect(await weights()).toBe('blue 100, green 0');

    // A slow stepped shift, killed once its first step is in the cluster.
    const pending = post(doomed, users.bob, `${MESH}/promote`, {
      steps: [10, 50, 100],
      stepIntervalSeconds: 30,
      reason: 'stepped release',
    }).catch(error => error);
    await waitFor('the first step', async () =>
      (await weights()) === 'blue 90, green 10' ? true : undefined,
    );
    await doomed.kill();
    // The caller of the killed replica gets no answer.
    expect((await pending).message).toBe('fetch failed');

    const interrupted = await waitFor(
      'the survivor to mark the switch interrupted',
      async () => {
        const history = await json(
          survivor.fetch(users.bob, `${MESH}/history`),
        );
        const entry = history.items.find(
          (e: any) => e.reason === 'stepped release',
        );
        return entry?.outcome === 'interrupted' && entry;
      },
      30_000,
    );
    expect(interrupted).toMatchObject({
      action: 'promote',
      from: 'blue',
      to: 'green',
      error: 'the backend stopped before the operation finished',
      details: {
        observedLive: 'split',
        cluster: 'partial: live is split; promote or roll back to finish',
      },
    });
    expect(await weights()).toBe('blue 90, green 10');

    // The survivor offers both ways out; rollback undoes where the interrupted shift was going.
    const status = await json(survivor.fetch(users.bob, MESH));
    expect(status).toMatchObject({
      live: 'split',
      promote: { allowed: true, target: 'green' },
      rollback: { allowed: true, target: 'blue' },
    });
    await json(post(survivor, users.bob, `${MESH}/rollback`, {}));
    expect(await weights()).toBe('blue 100, green 0');
  });
});
