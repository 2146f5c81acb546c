import { LRUCache } from 'lru-cache';
import {
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { isError } from '@backstage/errors';
import {
  KubeClient,
  KubernetesGateway,
  SwitchStrategy,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { BlueGreenConfig } from '../config';
import { ClusterSnapshot, listCallsFor } from './ClusterSnapshot';
import { ClusterWatch, WatchEnd } from './ClusterWatch';
import { withDeadline } from './deadline';

/** A cluster's lists, or why they could not be had. */
export type ClusterRead =
  | {
      ok: true;
      snapshot: ClusterSnapshot;
      /** Since when the snapshot is known to be the cluster's state: now, while it is watched. */
      readAt: Date;
    }
  | { ok: false; error: string; unknownCluster?: boolean };

/** How long each watch runs before the next one resumes it (as client-go's informers, 5–10 min). */
const WATCH_SECONDS = { min: 300, max: 600 };
/** A cluster's watches stop when the fleet has not asked for it this long. */
const WATCH_IDLE_MS = 5 * 60_000;
/** After a cluster refused the watch verb, it is listed (not watched) for this long. */
const REFUSED_WATCH_MS = 10 * 60_000;

type CacheEntry = {
  /** When the lists were asked for; 0 once they are known to be stale. */
  at: number;
  settled: boolean;
  strategies: Map<string, SwitchStrategy>;
  read: Promise<ClusterRead>;
  /** The snapshot, once read: the next read of the cluster reuses its unchanged objects. */
  snapshot?: ClusterSnapshot;
};

const message = (error: unknown) =>
  isError(error) ? error.message : String(error);

/**
 * The fleet's cluster listings, reused for `fleet.cacheTtl`: shared by every caller on a cluster
 * the plugin reaches with its own credentials, kept per user where the cluster is reached through
 * the Kubernetes backend on the caller's behalf. A cluster slower than `fleet.clusterTimeout` is
 * unavailable for this answer.
 *
 * With `fleet.watch`, a cluster read with the plugin's credentials is listed once and then kept
 * current by watches ({@link ClusterWatch}): every call, refresh or not, answers its state as it
 * is now without listing it (a refresh asks for one item, to know the cluster still answers). A
 * change made through the plugin, a failed watch or a cluster refusing the watch verb bring back
 * the lists.
 */
export class ClusterCache {
  readonly #gateway: KubernetesGateway;
  readonly #logger: LoggerService;
  readonly #config: BlueGreenConfig['fleet'];
  readonly #entries: LRUCache<string, CacheEntry>;
  /** The clusters followed by watches, by name. */
  readonly #watches = new Map<string, ClusterWatch>();
  /** Clusters that refused the watch verb, until when they are not asked again. */
  readonly #refusedWatch = new Map<string, number>();
  #closed = false;

  constructor(options: {
    gateway: KubernetesGateway;
    logger: LoggerService;
    config: BlueGreenConfig['fleet'];
  }) {
    this.#gateway = options.gateway;
    this.#logger = options.logger;
    this.#config = options.config;
    // An expired entry is kept (up to the bound) for its snapshot, which the next read reuses.
    this.#entries = new LRUCache<string, CacheEntry>({ max: 200 });
  }

  /** A cluster's lists: from the cache while fresh and complete enough, else listed now. */
  async read(
    cluster: string | undefined,
    strategies: SwitchStrategy[],
    credentials: BackstageCredentials,
    refresh: boolean,
  ): Promise<ClusterRead> {
    const name = cluster ?? '';
    const principal = credentials.principal as { userEntityRef?: string };
    // Clusters reached with the plugin's credentials: their lists are the same for every caller.
    const shared = await this.#gateway.readsAreShared(cluster);
    const key = shared
      ? `${name}|*`
      : `${name}|${principal.userEntityRef ?? 'service'}`;
    const watch = shared ? this.#watches.get(name) : undefined;
    if (
      watch?.following &&
      watch.latest.covers(strategies.map(s => s.name)) &&
      // A refresh makes sure the cluster still answers; if it does not, it is listed below.
      (!refresh || (await watch.answers(this.#config.clusterTimeoutMs)))
    ) {
      return { ok: true, snapshot: watch.current(), readAt: new Date() };
    }
    const now = Date.now();
    const cached = this.#entries.get(key);
    const fresh =
      cached &&
      now - cached.at < this.#config.cacheTtlMs &&
      strategies.every(s => cached.strategies.has(s.name));
    // A refresh still shares a read that has not answered yet (two tabs pressing reload).
    if (cached && fresh && (!refresh || !cached.settled)) {
      return cached.read;
    }
    const all = new Map(cached?.strategies);
    for (const s of strategies) all.set(s.name, s);
    const entry: CacheEntry = {
      at: now,
      settled: false,
      strategies: all,
      read: this.#list(
        cluster,
        [...all.values()],
        cached?.snapshot,
        shared && this.#mayWatch(name),
      ),
    };
    entry.read.then(result => {
      entry.settled = true;
      if (result.ok) entry.snapshot = result.snapshot;
    });
    this.#entries.set(key, entry);
    return entry.read;
  }

  /**
   * Marks the cached lists of a cluster as expired (after a change made through the plugin): the
   * next read lists it again, still reusing the unchanged objects.
   */
  invalidate(cluster: string): void {
    // The write's own watch event may not have arrived yet: list, then watch from that list.
    this.#watches.get(cluster)?.stop();
    for (const [key, entry] of this.#entries.entries()) {
      if (key.split('|')[0] === cluster) entry.at = 0;
    }
  }

  /** Stops every watch (the backend is stopping). */
  close(): void {
    this.#closed = true;
    for (const watch of [...this.#watches.values()]) watch.stop();
  }

  #mayWatch(cluster: string): boolean {
    if (!this.#config.watch || this.#closed) return false;
    const refusedUntil = this.#refusedWatch.get(cluster);
    if (refusedUntil === undefined) return true;
    if (Date.now() < refusedUntil) return false;
    this.#refusedWatch.delete(cluster);
    return true;
  }

  /** Follows a cluster from the snapshot just listed, replacing the watches of an earlier list. */
  #watch(
    cluster: string,
    kube: KubeClient,
    snapshot: ClusterSnapshot,
    strategies: SwitchStrategy[],
  ) {
    const earlier = this.#watches.get(cluster);
    this.#watches.delete(cluster);
    earlier?.stop();
    // A list that answered while the backend was stopping.
    if (this.#closed) return;
    const span = WATCH_SECONDS.max - WATCH_SECONDS.min;
    const watch = ClusterWatch.follow(
      kube,
      snapshot,
      listCallsFor(strategies),
      {
        timeoutSeconds: WATCH_SECONDS.min + Math.floor(Math.random() * span),
        idleMs: WATCH_IDLE_MS,
        onEnd: end => this.#watchEnded(cluster, watch!, end),
      },
    );
    if (watch?.following) this.#watches.set(cluster, watch);
  }

  #watchEnded(cluster: string, watch: ClusterWatch, end: WatchEnd) {
    if (this.#watches.get(cluster) !== watch) return;
    this.#watches.delete(cluster);
    // The next list of the cluster reuses the watched objects; the lists of before are stale.
    const entry = this.#entries.get(`${cluster}|*`);
    if (entry?.settled) {
      entry.snapshot = watch.latest;
      entry.at = 0;
    }
    if (end.reason !== 'failed') return;
    const { error } = end;
    if (error.name === 'NotAllowedError') {
      this.#refusedWatch.set(cluster, Date.now() + REFUSED_WATCH_MS);
      this.#logger.warn(
        `Fleet: cluster ${
          cluster || '(default)'
        } refused to be watched, so the fleet lists it on each refresh; grant the watch verb of the Blue/Green ClusterRole (plugins/blue-green-backend/manifests/rbac): ${
          error.message
        }`,
      );
    } else {
      // Expected now and then (a resourceVersion too old to resume from, a dropped connection).
      this.#logger.info(
        `Fleet: stopped watching cluster ${
          cluster || '(default)'
        }, it will be listed again: ${error.message}`,
      );
    }
  }

  async #list(
    cluster: string | undefined,
    strategies: SwitchStrategy[],
    previous: ClusterSnapshot | undefined,
    watch: boolean,
  ): Promise<ClusterRead> {
    let kube;
    try {
      kube = await this.#gateway.client(cluster);
    } catch (error) {
      // An annotation names a cluster that is not configured: the entity's problem, not an outage.
      return {
        ok: false,
        error: message(error),
        unknownCluster: isError(error) && error.name === 'InputError',
      };
    }
    try {
      const snapshot = await withDeadline(
        ClusterSnapshot.read(kube, strategies, previous),
        this.#config.clusterTimeoutMs,
        `cluster ${kube.cluster}`,
      );
      if (watch) this.#watch(cluster ?? '', kube, snapshot, strategies);
      return { ok: true, snapshot, readAt: snapshot.readAt };
    } catch (error) {
      this.#logger.warn(
        `Fleet: cluster ${cluster ?? '(default)'} is unavailable: ${message(
          error,
        )}`,
      );
      return { ok: false, error: message(error) };
    }
  }
}
