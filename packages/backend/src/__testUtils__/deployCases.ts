/* eslint-disable jest/no-export -- a library of cases, run by the suites that import it */
/**
 * Deploying a new version to the idle color, for every strategy, against any world: the sandbox
 * (deploy.test.ts) and a real control plane (control-plane/switch.test.ts). Each case starts from
 * whatever color is live and deploys to the other one.
 */
import {
  Color,
  otherColor,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { expectStatus, users, waitFor } from './harness';
import { ready, statusOf, SwitchWorld } from './switchCases';

const MY_APP = '/entities/default/component/my-app';
const ROLLOUT = '/entities/default/component/my-app-rollout';
const MESH = '/entities/default/component/my-app-mesh';

/** Waits until `color` of the entity runs `version` on every desired replica. */
async function runs(
  world: SwitchWorld,
  path: string,
  color: Color,
  version: string,
  user = users.carol,
) {
  return waitFor(
    `${color} of ${path} running ${version}`,
    async () => {
      const s = await statusOf(world, path, user);
      const c = s.colors[color];
      return (
        c.version === version &&
        c.replicas.desired > 0 &&
        c.replicas.ready === c.replicas.desired &&
        c.pods.length === c.replicas.desired &&
        s
      );
    },
    60_000,
  );
}

/** Answers of a Service over a few requests. */
async function answers(
  world: SwitchWorld,
  namespace: string,
  service: string,
  headers?: Record<string, string>,
) {
  const seen = new Set<string>();
  for (let i = 0; i < 6; i++) {
    seen.add((await world.hit(namespace, service, headers)).trim());
  }
  return [...seen];
}

export function deployCases(getWorld: () => SwitchWorld) {
  let world: SwitchWorld;
  beforeAll(() => {
    world = getWorld();
  });

  it('service-selector: deploy sets the idle color’s image; the preview Service reaches it, live traffic does not; a rolled-back version needs a new one', async () => {
    const before = await ready(world, MY_APP);
    const live = before.live as Color;
    const idle = otherColor(live);
    const liveVersion = before.colors[live].version!;
    expect(before.capabilities.deploy).toBe(true);
    expect(before.deploy).toMatchObject({ allowed: true, target: idle });

    // Who may not, and what is not an image, change nothing.
    expectStatus(
      await world
        .as(users.bob)
        .post(`${MY_APP}/deploy`, { image: 'my-app:2.0.0' }),
      403,
    );
    const bad = await world
      .as(users.alice)
      .post(`${MY_APP}/deploy`, { image: 'my-app:2.0.0; rm -rf /' });
    expectStatus(bad, 400);
    expect(bad.body.error.message).toContain('image: must be an image');
    const noContainer = await world
      .as(users.alice)
      .post(`${MY_APP}/deploy`, { image: 'my-app:2.0.0', container: 'db' });
    expectStatus(noContainer, 400);
    expect(noContainer.body.error.message).toContain('no container "db"');
    const stale = await world.as(users.alice).post(`${MY_APP}/deploy`, {
      image: 'my-app:2.0.0',
      revision: 'not-the-revision',
    });
    expectStatus(stale, 409);
    expect((await statusOf(world, MY_APP)).colors[idle].images).toEqual(
      before.colors[idle].images,
    );

    const deployed = await world.as(users.alice).post(`${MY_APP}/deploy`, {
      image: 'my-app:2.0.0',
      version: 'v2.0.0',
      reason: 'release 2.0.0',
      revision: before.revision,
    });
    expectStatus(deployed, 200);
    expect(deployed.body.entry).toMatchObject({
      action: 'deploy',
      to: idle,
      outcome: 'succeeded',
      reason: 'release 2.0.0',
      details: { image: 'my-app:2.0.0', container: 'app', version: 'v2.0.0' },
    });
    expect(deployed.body.entry.details.requests[0].description).toBe(
      `kubectl set image deployment/my-app-${idle} app=my-app:2.0.0: PATCH deployments/my-app-${idle}`,
    );
    expect(deployed.body.status.colors[idle]).toMatchObject({
      version: 'v2.0.0',
      images: ['my-app:2.0.0'],
    });
    expect(deployed.body.status.live).toBe(live);

    await runs(world, MY_APP, idle, 'v2.0.0');
    expect(
      (await world.kube('/api/v1/namespaces/default/services/my-app-preview'))
        .spec.selector.color,
    ).toBe(idle);
    expect(await answers(world, 'default', 'my-app-preview')).toEqual([
      'Hello from my-app v2.0.0',
    ]);
    expect(await answers(world, 'default', 'my-app')).toEqual([
      `Hello from my-app ${liveVersion}`,
    ]);
    // The new version's checklist starts over.
    const checklist = await world.as(users.alice).get(`${MY_APP}/checklist`);
    expectStatus(checklist, 200);
    expect(checklist.body).toMatchObject({ color: idle, version: 'v2.0.0' });
    expect(checklist.body.items.filter((i: any) => i.signOff)).toEqual([]);
    expectStatus(
      await world
        .as(users.alice)
        .post(`${MY_APP}/checklist/smoke-test/sign-off`, { note: 'ok' }),
      200,
    );

    // Promote: the preview Service follows the color that is idle now.
    const promoted = await world.as(users.alice).post(`${MY_APP}/promote`, {});
    expectStatus(promoted, 200);
    expect(promoted.body.entry.details.requests[1]).toMatchObject({
      description: `PATCH services/my-app-preview (preview → ${live})`,
    });
    expect(await answers(world, 'default', 'my-app')).toEqual([
      'Hello from my-app v2.0.0',
    ]);
    expect(await answers(world, 'default', 'my-app-preview')).toEqual([
      `Hello from my-app ${liveVersion}`,
    ]);

    // A rollback marks v2.0.0 failed and withdraws its sign-offs, with the reason.
    const rolledBack = await world
      .as(users.alice)
      .post(`${MY_APP}/rollback`, { reason: 'checkout errors' });
    expectStatus(rolledBack, 200);
    expect(rolledBack.body.status.failedVersion).toMatchObject({
      color: idle,
      version: 'v2.0.0',
      reason: 'checkout errors',
      by: users.alice,
      historyId: rolledBack.body.entry.id,
    });
    expect(await answers(world, 'default', 'my-app-preview')).toEqual([
      'Hello from my-app v2.0.0',
    ]);
    const history = await world.as(users.alice).get(`${MY_APP}/history`);
    expect(history.body.items[0]).toMatchObject({
      action: 'sign-off-withdrawn',
      reason: `v2.0.0 on ${idle} was rolled back: checkout errors`,
      details: { items: ['smoke-test'], rollback: rolledBack.body.entry.id },
    });
    const again = await world.as(users.alice).post(`${MY_APP}/promote`, {});
    expectStatus(again, 409);
    expect(again.body.error.message).toContain(
      `v2.0.0 on ${idle} was rolled back`,
    );
    expect((await statusOf(world, MY_APP)).live).toBe(live);

    // A new version is promotable again.
    expectStatus(
      await world
        .as(users.alice)
        .post(`${MY_APP}/deploy`, { image: 'my-app:2.0.1' }),
      200,
    );
    const fixed = await runs(world, MY_APP, idle, '2.0.1');
    expect(fixed.failedVersion).toBeUndefined();
    expect(fixed.promote.allowed).toBe(true);
  });

  it('argo-rollouts: deploy sends what `kubectl argo rollouts set image` sends; the new revision waits behind the preview Service', async () => {
    const before = await waitFor(
      'the Rollout settled',
      async () => {
        const s = await statusOf(world, ROLLOUT, users.bob);
        return s.deploy?.allowed && s;
      },
      60_000,
    );
    const live = before.live as Color;
    const idle = otherColor(live);
    const liveImages = before.colors[live].images;

    const deployed = await world
      .as(users.bob)
      .post(`${ROLLOUT}/deploy`, { image: 'my-app:3.0.0', reason: 'v3' });
    expectStatus(deployed, 200);
    expect(deployed.body.entry).toMatchObject({
      action: 'deploy',
      to: idle,
      outcome: 'succeeded',
    });
    expect(deployed.body.entry.details.requests).toEqual([
      expect.objectContaining({
        description:
          'kubectl argo rollouts set image my-app app=my-app:3.0.0: PUT rollouts/my-app',
      }),
    ]);
    const rollout = await world.kube(
      '/apis/argoproj.io/v1alpha1/namespaces/rollouts-demo/rollouts/my-app',
    );
    expect(rollout.spec.template.spec.containers[0].image).toBe('my-app:3.0.0');

    // Promotable, and settled: the revision includes the Rollout's resourceVersion, which the
    // controller still moves while the new ReplicaSet comes up. A promote with a revision taken
    // in between is refused (409), as it should be; the test decides on a page that has settled.
    let seen: { revision: string; since: number } | undefined;
    const waiting = await waitFor(
      'the new revision paused behind the preview Service, for a second',
      async () => {
        const s = await statusOf(world, ROLLOUT, users.bob);
        if (s.colors[idle].images[0] !== 'my-app:3.0.0' || !s.promote.allowed) {
          seen = undefined;
          return false;
        }
        if (seen?.revision !== s.revision) {
          seen = { revision: s.revision, since: Date.now() };
        }
        return Date.now() - seen.since >= 1000 && s;
      },
      90_000,
    );
    expect(waiting.live).toBe(live);
    expect(waiting.colors[live].images).toEqual(liveImages);
    expect(waiting.colors[idle].version).toBe('3.0.0');
    expect(await answers(world, 'rollouts-demo', 'my-app-preview')).toEqual([
      'Hello from my-app v3.0.0',
    ]);
    expect(
      await answers(world, 'rollouts-demo', 'my-app-active'),
    ).not.toContain('Hello from my-app v3.0.0');

    const promoted = await world
      .as(users.bob)
      .post(`${ROLLOUT}/promote`, { revision: waiting.revision });
    expectStatus(promoted, 200);
    const after = promoted.body.status;
    expect(after.colors[after.live].images).toEqual(['my-app:3.0.0']);
    expect(await answers(world, 'rollouts-demo', 'my-app-active')).toEqual([
      'Hello from my-app v3.0.0',
    ]);
  });

  it('istio: deploy moves the idle subset to the new version; the header route reaches it before and after a promote', async () => {
    const before = await ready(world, MESH);
    const live = before.live as Color;
    const idle = otherColor(live);
    const liveVersion = before.colors[live].version!;
    const deployed = await world.as(users.bob).post(`${MESH}/deploy`, {
      image: 'my-app:4.0.0',
      version: 'v4.0.0',
    });
    expectStatus(deployed, 200);
    const rule = await world.kube(
      '/apis/networking.istio.io/v1/namespaces/istio-demo/destinationrules/my-app',
    );
    expect(
      rule.spec.subsets.find((s: any) => s.name === idle).labels.version,
    ).toBe('v4.0.0');
    await runs(world, MESH, idle, 'v4.0.0');
    const canary = { 'x-canary': 'true' };
    expect(await answers(world, 'istio-demo', 'my-app', canary)).toEqual([
      'Hello from my-app v4.0.0',
    ]);
    expect(await answers(world, 'istio-demo', 'my-app')).toEqual([
      `Hello from my-app ${liveVersion}`,
    ]);

    const promoted = await world.as(users.bob).post(`${MESH}/promote`, {});
    expectStatus(promoted, 200);
    expect(promoted.body.status.trafficControls.previewRoute.color).toBe(live);
    expect(await answers(world, 'istio-demo', 'my-app')).toEqual([
      'Hello from my-app v4.0.0',
    ]);
    expect(await answers(world, 'istio-demo', 'my-app', canary)).toEqual([
      `Hello from my-app ${liveVersion}`,
    ]);
  });
}
