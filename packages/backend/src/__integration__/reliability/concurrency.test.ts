import { EntityStatus } from '@bluegreen-backstage/plugin-blue-green-common';
import {
  DATABASES,
  expectStatus,
  startWorld,
  users,
  waitFor,
  World,
} from '../../__testUtils__/harness';
import { watchObject } from '../../__testUtils__/kubeWatch';

/**
 * Issue 8, concurrency: 50 promote and rollback requests on one entity at once. Every answer is
 * 200 or 409, the traffic is always on exactly one color, and each 200 is one real switch in the
 * cluster and one succeeded history row — no lost update, nothing lost from the history.
 */

jest.setTimeout(180_000);

const REQUESTS = 50;

type Case = {
  strategy: string;
  path: string;
  /** The owner and a platform user: both may switch, so no answer is a 403. */
  actors: [string, string];
  /** The switched object, watched independently of the plugin. */
  watched: { collection: string; name: string };
  /** Which color an observed object sends traffic to: 'blue', 'green', or anything else. */
  liveOf(object: any): string;
};

const CASES: Case[] = [
  {
    strategy: 'service-selector',
    path: '/entities/default/component/my-app',
    actors: [users.alice, users.carol],
    watched: {
      collection: '/api/v1/namespaces/default/services',
      name: 'my-app',
    },
    liveOf: service => service.spec.selector.color,
  },
  {
    strategy: 'istio',
    path: '/entities/default/component/my-app-mesh',
    actors: [users.bob, users.carol],
    watched: {
      collection:
        '/apis/networking.istio.io/v1/namespaces/istio-demo/virtualservices',
      name: 'my-app',
    },
    liveOf: vs => {
      const route = vs.spec.http.find((r: any) => !r.match).route;
      const weight = (subset: string) =>
        route.find((d: any) => d.destination.subset === subset)?.weight ?? 0;
      if (weight('blue') === 100 && weight('green') === 0) return 'blue';
      if (weight('green') === 100 && weight('blue') === 0) return 'green';
      return `split ${weight('blue')}/${weight('green')}`;
    },
  },
];

describe.each(DATABASES)(`${REQUESTS} concurrent switches on %s`, database => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld({ database });
  });

  afterAll(async () => {
    await world?.stop();
  });

  it.each(CASES)(
    '$strategy: every answer is 200 or 409, one color is live throughout, history matches the switches',
    async ({ path, actors, watched, liveOf }) => {
      const before = await waitFor(`${path} ready`, async () => {
        const res = await world.as(users.carol).get(path);
        const s = res.body as EntityStatus;
        return res.status === 200 && s.promote.allowed && s;
      });
      const watch = await watchObject(
        world.sandbox,
        watched.collection,
        watched.name,
      );
      const tag = `storm-${Date.now()}`;

      const answers = await Promise.all(
        Array.from({ length: REQUESTS }, (_, i) =>
          world
            .as(actors[i % 2])
            .post(`${path}/${i % 3 === 0 ? 'rollback' : 'promote'}`, {
              reason: `${tag} ${i}`,
            }),
        ),
      );
      // Let the last verification's events arrive before the watch is read.
      await new Promise(r => setTimeout(r, 300));
      watch.stop();

      const statuses = answers.map(a => a.status);
      expect(statuses.filter(s => s !== 200 && s !== 409)).toEqual([]);
      const succeeded = answers.filter(a => a.status === 200);
      expect(succeeded.length).toBeGreaterThanOrEqual(1);
      for (const refused of answers.filter(a => a.status === 409)) {
        expect(refused.body.error.message).toMatch(
          /refused|changed|in progress/,
        );
      }

      // The cluster's own record: every state the object passed through names one color, and
      // the number of color changes is the number of 200s (each success is one real switch).
      const states = watch.events
        .filter(e => e.type === 'MODIFIED')
        .map(e => liveOf(e.object));
      expect(states.filter(s => s !== 'blue' && s !== 'green')).toEqual([]);
      const changes = states.filter(
        (s, i) => s !== (i === 0 ? before.live : states[i - 1]),
      );
      expect(changes).toHaveLength(succeeded.length);

      // The history: exactly one row per request, the successes as switches that chain.
      const history = await world
        .as(users.carol)
        .get(`${path}/history?limit=200`);
      expectStatus(history, 200);
      const rows = history.body.items.filter((e: any) =>
        e.reason?.startsWith(tag),
      );
      expect(rows).toHaveLength(REQUESTS);
      expect(rows.filter((e: any) => e.outcome === 'in-progress')).toEqual([]);
      const done = rows.filter((e: any) => e.outcome === 'succeeded');
      expect(done.map((e: any) => e.id).sort()).toEqual(
        succeeded.map(a => a.body.entry.id).sort(),
      );
      expect(rows.filter((e: any) => e.outcome !== 'succeeded')).toHaveLength(
        REQUESTS - succeeded.length,
      );
      // In the order the cluster applied them (the resourceVersion each write produced), each
      // switch starts where the previous one ended.
      const writtenAt = (e: any) =>
        Number(
          e.details.requests[e.details.requests.length - 1].resourceVersion,
        );
      const ordered = [...done].sort(
        (a: any, b: any) => writtenAt(a) - writtenAt(b),
      );
      expect(ordered.map((e: any) => e.to)).toEqual(changes);
      ordered.forEach((e: any, i: number) =>
        expect(e.from).toBe(i === 0 ? before.live : ordered[i - 1].to),
      );

      const after = await world.as(users.carol).get(path);
      expect(after.body.live).toBe(changes[changes.length - 1]);
      expect(after.body.inProgress).toBeUndefined();
    },
  );
});
