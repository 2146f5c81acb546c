/**
 * The switch suites of all three strategies against a real Kubernetes control plane (see
 * scripts/control-plane.sh): TLS checked against the cluster CA, a service-account token bound only
 * to the plugin's ClusterRole, the real Deployment, EndpointSlice and Argo Rollouts controllers,
 * Istio's and Argo Rollouts' own CRDs.
 */
import { expectStatus, users, waitFor } from '../../__testUtils__/harness';
import { storm, STORM_TARGETS } from '../../__testUtils__/storm';
import { switchCases } from '../../__testUtils__/switchCases';
import {
  ControlPlaneWorld,
  PLUGIN_SERVICE_ACCOUNT,
  startControlPlaneWorld,
} from '../../__testUtils__/controlPlaneWorld';

jest.setTimeout(180_000);

const MY_APP = '/entities/default/component/my-app';

describe('color switches against a real control plane (sqlite)', () => {
  let world: ControlPlaneWorld;

  beforeAll(async () => {
    world = await startControlPlaneWorld({ database: 'sqlite' });
  }, 600_000);

  afterAll(async () => {
    await world?.stop();
  });

  switchCases(() => world);

  it.each(STORM_TARGETS)(
    'compare-and-swap: 20 concurrent switches of $strategy answer 200 or 409, one color is live throughout, history matches',
    async target => {
      const result = await storm(world, target, { requests: 20 });
      expect(result.violations).toEqual([]);
      expect(result.switches).toBeGreaterThanOrEqual(1);
      expect(result.statuses[200] + (result.statuses[409] ?? 0)).toBe(20);
    },
  );

  it('reads and writes as the service account, which RBAC confines to the ClusterRole', async () => {
    const account = `system:serviceaccount:${PLUGIN_SERVICE_ACCOUNT.namespace}:${PLUGIN_SERVICE_ACCOUNT.name}`;
    const can = async (...args: string[]) =>
      (
        await world.plane.kubectl(['auth', 'can-i', ...args, '--as', account])
      ).stdout.trim();
    expect(await can('patch', 'services', '-n', 'default')).toBe('yes');
    expect(
      await can('patch', 'rollouts.argoproj.io', '-n', 'rollouts-demo'),
    ).toBe('yes');
    expect(await can('delete', 'services', '-n', 'default')).toBe('no');
    expect(await can('get', 'secrets', '-n', 'default')).toBe('no');
    expect(await can('create', 'deployments.apps', '-n', 'default')).toBe('no');
  });

  it('a verb the cluster denies is answered clearly, changes nothing and is recorded', async () => {
    // The ClusterRole without patch on Services: what a platform team gets when they trim it.
    await world.restartBackendWithRole({
      account: { namespace: 'backstage', name: 'blue-green-trimmed' },
      role: 'blue-green-backend-without-service-patch',
      trim: role => {
        for (const rule of role.rules) {
          if (rule.resources.includes('services'))
            rule.verbs = rule.verbs.filter((v: string) => v !== 'patch');
        }
      },
    });
    try {
      const service = await world.kube(
        '/api/v1/namespaces/default/services/my-app',
      );
      // The storms above rolled versions back, which marks them failed: promoting one again
      // needs force (the platform team's).
      const res = await world.as(users.carol).post(`${MY_APP}/promote`, {
        reason: 'denied by RBAC',
        force: true,
      });
      expectStatus(res, 503);
      expect(res.body.error.message).toContain(
        `User "system:serviceaccount:backstage:blue-green-trimmed" cannot patch resource "services" in API group "" in the namespace "default"`,
      );
      expect(res.body.error.message).toContain(
        "the cluster refused the plugin's credentials",
      );
      const after = await world.kube(
        '/api/v1/namespaces/default/services/my-app',
      );
      expect(after.metadata.resourceVersion).toBe(
        service.metadata.resourceVersion,
      );
      expect(after.spec.selector).toEqual(service.spec.selector);
      const history = await world.as(users.alice).get(`${MY_APP}/history`);
      expect(history.body.items[0]).toMatchObject({
        action: 'promote',
        outcome: 'failed',
        reason: 'denied by RBAC',
      });
    } finally {
      await world.restartBackendAs(PLUGIN_SERVICE_ACCOUNT);
    }
  });

  it('the fleet follows a change made with kubectl through the watches the ClusterRole grants; without watch it lists', async () => {
    const SERVICE = '/api/v1/namespaces/default/services/my-app';
    const myApp = (body: any) =>
      body.rows.find((r: any) => r.entityRef === 'component:default/my-app');
    const listedAt = Date.now();
    const first = await world.as(users.alice).get('/fleet?refresh=true');
    expectStatus(first, 200);
    const live = myApp(first.body).live as 'blue' | 'green';
    const other = live === 'blue' ? 'green' : 'blue';
    const patch = (color: string) =>
      world.kube(SERVICE, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/merge-patch+json' },
        body: JSON.stringify({ spec: { selector: { color } } }),
      });
    await patch(other);
    try {
      // Calls that are not refreshes: the fleet's cached lists would show the old color for
      // fleet.cacheTtl (10 s) after the list; the watch brings the change.
      await waitFor('the fleet following kubectl', async () => {
        const res = await world.as(users.alice).get('/fleet');
        return myApp(res.body)?.live === other;
      });
      expect(Date.now() - listedAt).toBeLessThan(10_000);
    } finally {
      await patch(live);
    }

    // The ClusterRole without watch: what an older grant gives. The fleet lists on each refresh.
    await world.restartBackendWithRole({
      account: { namespace: 'backstage', name: 'blue-green-unwatched' },
      role: 'blue-green-backend-without-watch',
      trim: role => {
        for (const rule of role.rules) {
          rule.verbs = rule.verbs.filter((v: string) => v !== 'watch');
        }
      },
    });
    try {
      const before = await world.as(users.alice).get('/fleet?refresh=true');
      expectStatus(before, 200);
      expect(before.body.partial).toBe(false);
      expect(myApp(before.body).live).toBe(live);
      await patch(other);
      const after = await world.as(users.alice).get('/fleet?refresh=true');
      expect(after.body.partial).toBe(false);
      expect(myApp(after.body).live).toBe(other);
    } finally {
      await patch(live);
      await world.restartBackendAs(PLUGIN_SERVICE_ACCOUNT);
    }
  });

  it('reads pod logs through kube-apiserver and the kubelet; without get pods/log the log signal is unknown with the refusal', async () => {
    const pods = await world.kube(
      '/api/v1/namespaces/default/pods?labelSelector=app%3Dmy-app',
    );
    const pod = pods.items.find((p: any) => p.status.phase === 'Running');
    const logs = await world.plane.kubectl([
      'logs',
      '-n',
      'default',
      pod.metadata.name,
      '--tail=5',
      '--timestamps',
    ]);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/^\S+Z .* listening on 10\.244\./m);

    // The plugin's own reads, as its service account: counted (no errors, so it passes).
    const item = async () => {
      const res = await world
        .as(users.alice)
        .get(`${MY_APP}/checklist?phase=post`);
      expectStatus(res, 200);
      return res.body.items.find((i: any) => i.id === 'log-errors');
    };
    const read = await waitFor(
      'the log signal judged',
      async () => {
        const i = await item();
        return i.status === 'pass' && i;
      },
      60_000,
    );
    expect(read.evidence.detail).toContain('kubectl logs -n default my-app-');

    await world.restartBackendWithRole({
      account: { namespace: 'backstage', name: 'blue-green-no-logs' },
      role: 'blue-green-backend-without-pod-logs',
      trim: role => {
        role.rules = role.rules.filter(
          (rule: any) => !rule.resources.includes('pods/log'),
        );
      },
    });
    try {
      const denied = await item();
      expect(denied.status).toBe('unknown');
      expect(denied.message).toContain(
        `User "system:serviceaccount:backstage:blue-green-no-logs" cannot get resource "pods/log" in API group "" in the namespace "default"`,
      );
    } finally {
      await world.restartBackendAs(PLUGIN_SERVICE_ACCOUNT);
    }
  });
});
