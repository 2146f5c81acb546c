import { FaultRule } from '@bluegreen-backstage/kube-sandbox';
import { users, waitFor, World } from './harness';
import { watchObject, WatchEvent } from './kubeWatch';

/**
 * What a storm needs of a world: requests as users, and an independent watch of the switched
 * object — the sandbox's API, or `watch` of another cluster. Faults need the sandbox.
 */
export type StormWorld = Pick<World, 'as'> & {
  sandbox?: World['sandbox'];
  watch?(
    collectionPath: string,
    name: string,
  ): Promise<{ events: WatchEvent[]; stop(): void }>;
};

/** An entity to storm with switches, and how to read its live color off the switched object. */
export type StormTarget = {
  strategy: string;
  path: string;
  /** The owner and a platform user (who may force): both may switch, so no answer is a 403. */
  actors: [string, string];
  /** The switched object, watched independently of the plugin. */
  watched: { collection: string; name: string };
  /** Which color an observed object sends traffic to: 'blue', 'green', or anything else. */
  liveOf(object: any): string;
};

export const STORM_TARGETS: StormTarget[] = [
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

export type StormResult = {
  requests: number;
  /** HTTP status → how many answers had it. */
  statuses: Record<number, number>;
  /** Switches that took effect: 200s, and 503s that say the switch was written. */
  switches: number;
  /** API requests the injected faults hit. */
  faultsHit: number;
  /** Every broken invariant, in words; empty when the storm held. */
  violations: string[];
};

/**
 * `requests` promote and rollback requests on one entity at once, then the invariants of issue 8:
 * every answer is 200 or 409 (or, with `faults`, 503 with the cluster's state), the switched
 * object only ever names one color, each switch that took effect is one real change in the
 * cluster and one succeeded history row, every request has exactly one finished history row, and
 * the switches chain (each starts where the previous one, in the cluster's order, ended).
 */
export async function storm(
  world: StormWorld,
  target: StormTarget,
  options: {
    requests: number;
    /** API faults in force while the requests run (not while the storm is set up or checked). */
    faults?: FaultRule[];
  },
): Promise<StormResult> {
  const { path, actors, watched, liveOf } = target;
  const before = await waitFor(
    `${path} ready`,
    async () => {
      const res = await world.as(users.carol).get(path);
      return res.status === 200 && !res.body.inProgress && res.body;
    },
    30_000,
  );
  const watch = world.watch
    ? await world.watch(watched.collection, watched.name)
    : await watchObject(world.sandbox!, watched.collection, watched.name);
  const tag = `storm-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;
  if (options.faults) world.sandbox!.faults.set(options.faults);
  const answers = await Promise.all(
    Array.from({ length: options.requests }, (_, i) =>
      world
        .as(actors[i % 2])
        .post(`${path}/${i % 3 === 0 ? 'rollback' : 'promote'}`, {
          reason: `${tag} ${i}`,
          // The platform user forces: a version an earlier test rolled back (marked failed)
          // must not refuse every promote of the storm.
          ...(i % 2 === 1 && { force: true }),
        }),
    ),
  );
  const faultsHit =
    world.sandbox?.faults.list().reduce((n, rule) => n + rule.hits, 0) ?? 0;
  world.sandbox?.faults.clear();
  // Let the last events arrive before the watch is read.
  await new Promise(r => setTimeout(r, 300));
  watch.stop();

  const violations: string[] = [];
  const statuses: Record<number, number> = {};
  for (const a of answers) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
  const written = answers.filter(
    a =>
      a.status === 200 ||
      (a.status === 503 && / was written /.test(a.body?.error?.message)),
  );
  for (const a of answers) {
    const text = a.body?.error?.message ?? '';
    if (a.status === 409 && !/refused|changed|in progress/.test(text)) {
      violations.push(`a 409 that does not say why: ${text}`);
    }
    if (a.status === 503 && !options.faults) {
      violations.push(`a 503 without injected faults: ${text}`);
    }
    if (
      a.status === 503 &&
      !/untouched|switched|was written|unknown/.test(text)
    ) {
      violations.push(
        `a 503 that does not say what the cluster shows: ${text}`,
      );
    }
    if (![200, 409, 503].includes(a.status)) {
      violations.push(`HTTP ${a.status}: ${JSON.stringify(a.body)}`);
    }
  }

  const states = watch.events
    .filter(e => e.type === 'MODIFIED')
    .map(e => liveOf(e.object));
  const mixed = states.filter(s => s !== 'blue' && s !== 'green');
  if (mixed.length) violations.push(`states other than one color: ${mixed}`);
  const changes = states.filter(
    (s, i) => s !== (i === 0 ? before.live : states[i - 1]),
  );
  const history = await world.as(users.carol).get(`${path}/history?limit=200`);
  const rows = (history.body.items ?? []).filter((e: any) =>
    e.reason?.startsWith(tag),
  );
  // A write whose answer was lost while the cluster could not be read either is recorded as
  // `unknown` — honest, but it may or may not have changed the color.
  const unknown = rows.filter((e: any) =>
    /^unknown/.test(e.details?.cluster ?? ''),
  ).length;
  if (
    changes.length < written.length ||
    changes.length > written.length + unknown
  ) {
    violations.push(
      `${written.length} switches answered (${unknown} unknown), ${changes.length} color changes in the cluster`,
    );
  }
  if (rows.length !== options.requests) {
    violations.push(
      `${options.requests} requests, ${rows.length} history rows`,
    );
  }
  const unfinished = rows.filter((e: any) => e.outcome === 'in-progress');
  if (unfinished.length) {
    violations.push(`${unfinished.length} rows still in progress`);
  }
  const done = rows.filter((e: any) => e.outcome === 'succeeded');
  if (done.length !== written.length) {
    violations.push(
      `${written.length} switches answered, ${done.length} succeeded rows`,
    );
  }
  const answeredIds = new Set(
    answers.filter(a => a.status === 200).map(a => a.body.entry.id),
  );
  const unknownIds = [...answeredIds].filter(
    id => !done.some((e: any) => e.id === id),
  );
  if (unknownIds.length) {
    violations.push(`200s whose entry is not succeeded: ${unknownIds}`);
  }
  // In the order the cluster applied them (the resourceVersion each write produced), each switch
  // starts where the previous one ended, and they are the cluster's color changes.
  // A write whose answer was lost has no resourceVersion to order it by: then only the counts hold.
  const writtenAt = (e: any) =>
    Number(e.details.requests.at(-1)?.resourceVersion ?? NaN);
  if (done.every((e: any) => Number.isFinite(writtenAt(e))) && !unknown) {
    const ordered = [...done].sort(
      (a: any, b: any) => writtenAt(a) - writtenAt(b),
    );
    const chain = ordered.map((e: any) => e.to).join(' ');
    if (chain !== changes.join(' ')) {
      violations.push(
        `history says ${chain}, the cluster ${changes.join(' ')}`,
      );
    }
    ordered.forEach((e: any, i: number) => {
      const from = i === 0 ? before.live : ordered[i - 1].to;
      if (e.from !== from) {
        violations.push(`switch ${e.id} went ${e.from}→${e.to} after ${from}`);
      }
    });
  }
  const after = await world.as(users.carol).get(path);
  const last = changes.length ? changes[changes.length - 1] : before.live;
  if (after.body.live !== last) {
    violations.push(
      `live is ${after.body.live}, the last switch went to ${last}`,
    );
  }
  return {
    requests: options.requests,
    statuses,
    switches: written.length,
    faultsHit,
    violations,
  };
}
