import {
  FleetListCall,
  KubeClient,
  KubeWatch,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { ClusterSnapshot, SnapshotChange } from './ClusterSnapshot';
import { withDeadline } from './deadline';

/** Why a {@link ClusterWatch} stopped following its cluster. */
export type WatchEnd =
  | { reason: 'stopped' }
  /** No one asked for the cluster for `idleMs`. */
  | { reason: 'idle' }
  /** A watch failed: refused (`NotAllowedError`), too old to resume (`ConflictError`), or dropped. */
  | { reason: 'failed'; error: Error };

export type ClusterWatchOptions = {
  /** How long each watch runs before the API server ends it and the next one resumes. */
  timeoutSeconds: number;
  /** Stop following the cluster when it has not been asked for this long. */
  idleMs: number;
  onEnd: (end: WatchEnd) => void;
};

/** Changes held before they are applied even though nobody asked for the cluster. */
const MAX_PENDING = 2_000;

/**
 * One cluster's fleet lists kept current by watches, as informers do: a list, then a watch per
 * listed kind from the resourceVersion it answered, resumed whenever the API server ends it.
 * Asking for the cluster costs no request while the watches run; the changes are applied to the
 * snapshot when it is asked for (see {@link ClusterSnapshot.withChanges}). Any failure ends all
 * the cluster's watches (`onEnd`): the fleet then lists the cluster again, and starts watching
 * from that list.
 */
export class ClusterWatch {
  readonly #kube: KubeClient;
  readonly #calls: FleetListCall[];
  readonly #options: ClusterWatchOptions;
  #snapshot: ClusterSnapshot;
  #pending: SnapshotChange[] = [];
  readonly #watches = new Set<KubeWatch>();
  #ended = false;
  #usedAt = Date.now();

  /** Starts following `kube` from `snapshot`, for the list calls it was read with. */
  static follow(
    kube: KubeClient,
    snapshot: ClusterSnapshot,
    calls: FleetListCall[],
    options: ClusterWatchOptions,
  ): ClusterWatch | undefined {
    if (!kube.watch) return undefined;
    // A list without a resourceVersion is of an API group the cluster does not serve (no Argo
    // Rollouts, no Istio): there is nothing to watch. Installed later, it is listed with the
    // next list of the cluster.
    const watched = calls.flatMap(call => {
      const from = snapshot.resourceVersionOf(call.resource);
      return from ? [{ call, from }] : [];
    });
    if (watched.length === 0) return undefined;
    const watch = new ClusterWatch(kube, snapshot, calls, options);
    for (const { call, from } of watched) watch.#follow(call, from);
    return watch;
  }

  private constructor(
    kube: KubeClient,
    snapshot: ClusterSnapshot,
    calls: FleetListCall[],
    options: ClusterWatchOptions,
  ) {
    this.#kube = kube;
    this.#calls = calls;
    this.#snapshot = snapshot;
    this.#options = options;
  }

  /** Whether the watches still run: `current()` is then the cluster as it is now. */
  get following(): boolean {
    return !this.#ended;
  }

  /** The cluster as it is now: the snapshot with every change watched so far. */
  current(): ClusterSnapshot {
    this.#usedAt = Date.now();
    this.#apply();
    return this.#snapshot;
  }

  /**
   * Whether the cluster still answers, by asking for one item of a watched kind (within
   * `timeoutMs`). A watch learns of an unreachable cluster only when its connection fails, which
   * can take minutes; a refresh asks. When the cluster does not answer, the watches end.
   */
  async answers(timeoutMs: number): Promise<boolean> {
    const [call] = this.#calls;
    try {
      await withDeadline(
        this.#kube.list(call.resource, undefined, {
          labelSelector: call.labelSelector,
          limit: 1,
        }),
        timeoutMs,
        `cluster ${this.#kube.cluster}`,
      );
      return true;
    } catch (error) {
      this.#end({ reason: 'failed', error: error as Error });
      return false;
    }
  }

  /** The snapshot with the changes applied so far, without counting as a use. */
  get latest(): ClusterSnapshot {
    return this.#snapshot;
  }

  stop(): void {
    this.#end({ reason: 'stopped' });
  }

  #apply() {
    if (this.#pending.length === 0) return;
    this.#snapshot = this.#snapshot.withChanges(this.#pending);
    this.#pending = [];
  }

  #end(end: WatchEnd) {
    if (this.#ended) return;
    this.#ended = true;
    for (const watch of this.#watches) watch.stop();
    this.#watches.clear();
    // What was watched until now still holds: the next list reuses its objects.
    this.#apply();
    this.#options.onEnd(end);
  }

  async #follow(call: FleetListCall, from: string) {
    // Where the next watch resumes: the last resourceVersion seen, a bookmark's included.
    const position = { resourceVersion: from };
    while (!this.#ended) {
      if (Date.now() - this.#usedAt > this.#options.idleMs) {
        this.#end({ reason: 'idle' });
        return;
      }
      const startedAt = Date.now();
      let watch: KubeWatch | undefined;
      try {
        watch = this.#kube.watch!(
          call.resource,
          undefined,
          {
            resourceVersion: position.resourceVersion,
            labelSelector: call.labelSelector,
            timeoutSeconds: this.#options.timeoutSeconds,
          },
          event => {
            position.resourceVersion =
              event.object.metadata.resourceVersion ?? position.resourceVersion;
            if (event.type === 'BOOKMARK' || this.#ended) return;
            this.#pending.push({
              resource: call.resource,
              type: event.type,
              object: event.object,
            });
            if (this.#pending.length > MAX_PENDING) this.#apply();
          },
        );
        this.#watches.add(watch);
        await watch.done;
      } catch (error) {
        this.#end({ reason: 'failed', error: error as Error });
        return;
      } finally {
        if (watch) this.#watches.delete(watch);
      }
      // An API server that ends watches at once is not asked again in a tight loop.
      if (!this.#ended && Date.now() - startedAt < 1000) {
        await new Promise(resolve => setTimeout(resolve, 1000).unref());
      }
    }
  }
}
