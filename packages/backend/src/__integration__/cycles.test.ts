import {
  Color,
  EntityStatus,
  otherColor,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  expectStatus,
  startWorld,
  users,
  waitFor,
  World,
} from '../__testUtils__/harness';
import { REQUIRED_MANUAL } from '../__testUtils__/checks';

/**
 * The whole release cycle, three times per strategy, through the HTTP API only, against the
 * sandbox with real traffic and a real Prometheus: deploy to the idle color → its checklist →
 * sign-off → promote → watch → scale-down → deploy to the other color… The second version answers
 * 20 % 5xx: the watch rolls it back by itself and it cannot be promoted again unforced; the third
 * version goes live. In every cycle the preview reaches the idle color before the promote.
 */

jest.setTimeout(300_000);

type Case = {
  strategy: string;
  path: string;
  owner: string;
  namespace: string;
  /** What reaches the idle color before a promote. */
  preview: { service: string; headers?: Record<string, string> };
  /** The Service that takes live traffic. */
  live: string;
};

const CASES: Case[] = [
  {
    strategy: 'service-selector',
    path: '/entities/default/component/my-app',
    owner: users.alice,
    namespace: 'default',
    preview: { service: 'my-app-preview' },
    live: 'my-app',
  },
  {
    strategy: 'argo-rollouts',
    path: '/entities/default/component/my-app-rollout',
    owner: users.bob,
    namespace: 'rollouts-demo',
    preview: { service: 'my-app-preview' },
    live: 'my-app-active',
  },
  {
    strategy: 'istio',
    path: '/entities/default/component/my-app-mesh',
    owner: users.bob,
    namespace: 'istio-demo',
    preview: { service: 'my-app', headers: { 'x-canary': 'true' } },
    live: 'my-app',
  },
];

async function statusOf(world: World, c: Case): Promise<EntityStatus> {
  const res = await world.as(c.owner).get(c.path);
  expectStatus(res, 200);
  return res.body;
}

/** The versions a Service answers over a few requests. */
async function answers(
  world: World,
  c: Case,
  service: string,
  headers?: Record<string, string>,
) {
  const seen = new Set<string>();
  for (let i = 0; i < 8; i++) {
    const body = await world.hit(c.namespace, service, headers);
    seen.add(/v\d+\.\d+\.\d+/.exec(body)?.[0] ?? body);
  }
  return [...seen];
}

/** A version without its `v` (Argo's colors show the image tag, the others the version label). */
const bare = (v?: string) => v?.replace(/^v/, '');

/** The version the live color runs. (Argo names its ReplicaSets' colors anew after a promote.) */
const liveVersionOf = (s: EntityStatus) =>
  bare(s.colors[s.live as Color]?.version);

/** The color that runs `version`. */
const colorRunning = (s: EntityStatus, version: string) =>
  (['blue', 'green'] as const).find(
    c => bare(s.colors[c].version) === bare(version),
  )!;

/** Sets or clears the sandbox's 5xx fault on the pods of one color (live, no new rollout). */
async function faultPods(
  world: World,
  c: Case,
  status: EntityStatus,
  color: Color,
  errorRate: string | null,
) {
  for (const pod of status.colors[color].pods) {
    await world.kube(`/api/v1/namespaces/${c.namespace}/pods/${pod.name}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({
        metadata: {
          annotations: { 'sandbox.bluegreen.dev/error-rate': errorRate },
        },
      }),
    });
  }
}

/** One release of `version` on the idle color; `fails`: it answers 20 % 5xx once live. */
async function release(
  world: World,
  c: Case,
  version: string,
  fails: boolean,
): Promise<void> {
  const as = world.as(c.owner);
  const before = await waitFor(
    `${c.strategy}: a settled state to release ${version} from`,
    async () => {
      const s = await statusOf(world, c);
      return (
        !s.inProgress && s.deploy?.allowed && s.watch?.state !== 'running' && s
      );
    },
    90_000,
  );
  const live = before.live as Color;
  const idle = otherColor(live);
  const liveVersion = liveVersionOf(before);

  // The idle color was scaled down after the last watch passed: size it like the live one
  // (Argo Rollouts sizes its new ReplicaSet itself).
  if (
    c.strategy !== 'argo-rollouts' &&
    before.colors[idle].replicas.desired === 0
  ) {
    expectStatus(
      await as.post(`${c.path}/scale`, {
        color: idle,
        replicas: before.colors[live].replicas.desired,
      }),
      200,
    );
  }
  const deployed = await as.post(`${c.path}/deploy`, {
    image: `my-app:${version.slice(1)}`,
    version,
    reason: `release ${version}`,
  });
  expectStatus(deployed, 200);
  expect(deployed.body.entry).toMatchObject({ action: 'deploy', to: idle });

  const waiting = await waitFor(
    `${c.strategy}: ${version} ready on ${idle}`,
    async () => {
      const s = await statusOf(world, c);
      const color = s.colors[idle];
      return (
        bare(color.version) === bare(version) &&
        color.replicas.desired > 0 &&
        color.replicas.ready === color.replicas.desired &&
        color.pods.length === color.replicas.desired &&
        s.promote.allowed &&
        s
      );
    },
    90_000,
  );
  expect(waiting.live).toBe(live);
  expect(waiting.failedVersion).toBeUndefined();
  // The preview reaches the idle color; live traffic does not.
  expect(await answers(world, c, c.preview.service, c.preview.headers)).toEqual(
    [version],
  );
  expect(await answers(world, c, c.live)).toEqual([`v${liveVersion}`]);

  // Its checklist is the new version's, unsigned; the owner signs off the manual items.
  const checklist = await as.get(`${c.path}/checklist?phase=pre`);
  expectStatus(checklist, 200);
  expect(checklist.body).toMatchObject({ color: idle });
  expect(
    checklist.body.items.find((i: any) => i.id === 'pods-ready').status,
  ).toBe('pass');
  expect(checklist.body.items.filter((i: any) => i.signOff)).toEqual([]);
  for (const item of REQUIRED_MANUAL) {
    expectStatus(
      await as.post(`${c.path}/checklist/${item}/sign-off`, { note: version }),
      200,
    );
  }

  if (fails) await faultPods(world, c, waiting, idle, '0.2');
  // The revision the owner decides on: read again, as the tab does before the dialog (a
  // controller may still have written the workload's status since it turned ready).
  const decided = await statusOf(world, c);
  expect(decided.promote.allowed).toBe(true);
  const promoted = await as.post(`${c.path}/promote`, {
    revision: decided.revision,
  });
  expectStatus(promoted, 200);
  expect(liveVersionOf(promoted.body.status)).toBe(bare(version));
  expect(promoted.body.status.watch).toMatchObject({ state: 'running' });

  if (fails) {
    const rolledBack = await waitFor(
      `${c.strategy}: ${version} rolled back by the watch`,
      async () => {
        const s = await statusOf(world, c);
        return (
          liveVersionOf(s) === liveVersion &&
          s.watch?.state === 'rolled-back' &&
          s
        );
      },
      90_000,
    );
    expect(rolledBack.watch!.result).toContain('5xx ratio');
    const failedColor = colorRunning(rolledBack, version);
    expect(rolledBack.failedVersion).toMatchObject({ color: failedColor });
    expect(await answers(world, c, c.live)).toEqual([`v${liveVersion}`]);
    const again = await as.post(`${c.path}/promote`, {});
    expectStatus(again, 409);
    expect(again.body.error.message).toContain('was rolled back');
    await faultPods(world, c, rolledBack, failedColor, null);
    // The watch reads a color's series over its window (10 s here): the next version on this
    // color starts once the failed one's errors left it.
    await waitFor(
      `${c.strategy}: no 5xx in ${c.namespace} within the window`,
      async () => {
        const res = await fetch(
          `${world.prometheus!.url}/api/v1/query?query=${encodeURIComponent(
            `sum(rate(http_requests_total{namespace="${c.namespace}",app="my-app",status=~"5.."}[10s]))`,
          )}`,
        );
        const result = (await res.json()).data.result;
        return result.length === 0 || Number(result[0].value[1]) === 0;
      },
      60_000,
    );
    return;
  }

  const passed = await waitFor(
    `${c.strategy}: the watch of ${version} passed and the previous color scaled down`,
    async () => {
      const s = await statusOf(world, c);
      return (
        s.watch?.state === 'passed' &&
        s.colors[otherColor(s.live as Color)].replicas.desired === 0 &&
        !s.scaleDown &&
        s
      );
    },
    90_000,
  ).catch(async error => {
    const s = await statusOf(world, c);
    throw new Error(
      `${error.message}: ${JSON.stringify({
        live: s.live,
        watch: s.watch,
        scaleDown: s.scaleDown,
        replicas: [s.colors.blue.replicas, s.colors.green.replicas],
      })}`,
    );
  });
  expect(liveVersionOf(passed)).toBe(bare(version));
  expect(await answers(world, c, c.live)).toEqual([version]);
}

describe('three release cycles per strategy', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld({
      database: 'sqlite',
      prometheus: true,
      blueGreen: {
        // The idle color gets no traffic, so its metric items may be unknown: promote does not
        // wait for them here (the checklist suites cover that).
        checks: { requiredForPromote: false, window: '30s', cacheTtl: '0s' },
        scaleDown: { enabled: true, delay: '0s', replicas: 0 },
        watch: {
          enabled: true,
          duration: '12s',
          evaluationInterval: '2s',
          rateWindow: '10s',
          criteria: { 'error-rate': { for: '2s' } },
        },
      },
    });
  }, 120_000);

  afterAll(async () => {
    await world?.stop();
  });

  it.each(CASES.map(c => [c.strategy, c] as const))(
    '%s: deploy, check, sign off, promote, watch, scale down — a failing version rolled back in between',
    async (_, c) => {
      await release(world, c, 'v2.0.0', false);
      await release(world, c, 'v3.0.0', true);
      await release(world, c, 'v4.0.0', false);
      const history = await world
        .as(c.owner)
        .get(`${c.path}/history?limit=100`);
      const actions = history.body.items
        .map((e: any) => `${e.action}:${e.outcome}`)
        .reverse();
      expect(
        actions.filter((a: string) => a === 'deploy:succeeded'),
      ).toHaveLength(3);
      expect(actions).toContain('auto-rollback:succeeded');
      expect(
        actions.filter((a: string) => a === 'promote:succeeded'),
      ).toHaveLength(3);
    },
  );
});
