import { LRUCache } from 'lru-cache';
import {
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { isError } from '@backstage/errors';
import {
  KubernetesGateway,
  SwitchStrategy,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { BlueGreenConfig } from '../config';
import { ClusterSnapshot } from './ClusterSnapshot';

/** A cluster's lists, or why they could not be had. */
export type ClusterRead =
  | { ok: true; snapshot: ClusterSnapshot }
  | { ok: false; error: string; unknownCluster?: boolean };

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

function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not answer within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * The fleet's cluster listings, reused for `fleet.cacheTtl`: shared by every caller on a cluster
 * the plugin reaches with its own credentials, kept per user where the cluster is reached through
 * the Kubernetes backend on the caller's behalf. A cluster slower than `fleet.clusterTimeout` is
 * unavailable for this answer.
 */
export class ClusterCache {
  readonly #gateway: KubernetesGateway;
  readonly #logger: LoggerService;
  readonly #config: BlueGreenConfig['fleet'];
  readonly #entries: LRUCache<string, CacheEntry>;

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
    const key = (await this.#gateway.readsAreShared(cluster))
      ? `${name}|*`
      : `${name}|${principal.userEntityRef ?? 'service'}`;
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
      read: this.#list(cluster, [...all.values()], cached?.snapshot),
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
    for (const [key, entry] of this.#entries.entries()) {
      if (key.split('|')[0] === cluster) entry.at = 0;
    }
  }

  async #list(
    cluster: string | undefined,
    strategies: SwitchStrategy[],
    previous?: ClusterSnapshot,
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
      return { ok: true, snapshot };
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
