import {
  FleetListCall,
  KUBE_RESOURCES,
  KubeClient,
  KubeObject,
  KubeResource,
  matchesLabels,
  parseLabelSelector,
  SwitchStrategy,
} from '@bluegreen-backstage/plugin-blue-green-node';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Kinds the fleet never lists; a strategy asking for them gets nothing. */
const OMITTED = new Set([KUBE_RESOURCES.pods.plural]);

const keyOf = (resource: KubeResource) =>
  `${resource.group}/${resource.plural}`;

/** The list calls the given strategies need, without duplicates. */
export function listCallsFor(strategies: Iterable<SwitchStrategy>) {
  const calls = new Map<string, FleetListCall>();
  for (const strategy of strategies) {
    for (const call of strategy.fleetLists) {
      calls.set(keyOf(call.resource), call);
    }
  }
  return [...calls.values()];
}

/**
 * A listed object as the snapshot keeps it between calls: its JSON (as trimmed, see `trimmed`) in a
 * Buffer, outside V8's heap, parsed again for each lookup. A parsed Kubernetes object takes more
 * of V8's heap than its JSON's bytes, and V8 lets its heap grow to a multiple of what lives in it
 * before collecting; the fleet keeps tens of thousands of objects for as long as its cache lives.
 * The same entry, by identity, while the object is unchanged: the fleet's rows are cached on it.
 */
export type KeptObject = {
  readonly namespace: string;
  readonly name: string;
  /** For label selectors, without parsing. */
  readonly labels?: Record<string, string>;
  readonly json: Buffer;
};

/** A kept object, parsed: a new object each time. */
export const parseKept = (kept: KeptObject): KubeObject =>
  JSON.parse(kept.json.toString('utf8'));

/**
 * One kind's listed objects, by namespace and name, by namespace, and by the digest of the bytes
 * each was listed as (when the client digests items: see `ListOptions.reuse`).
 */
type Kind = {
  /** What the list answered: where a watch of the kind starts from. */
  resourceVersion?: string;
  /** By namespace, then name: no key is built per lookup (the fleet makes tens of thousands). */
  byName: Map<string, Map<string, KeptObject>>;
  byNamespace: Map<string, KeptObject[]>;
  byDigest: Map<string, KeptObject>;
};

const sameVersion = (a: KubeObject, b: KubeObject) =>
  Boolean(b.metadata.resourceVersion) &&
  a.metadata.resourceVersion === b.metadata.resourceVersion &&
  a.metadata.uid === b.metadata.uid;

/**
 * What the snapshot keeps of a listed object, for the cache's lifetime: the object without what no
 * strategy reads and real clusters make large (managed fields, the last-applied configuration,
 * status conditions: the strategies read the workloads' replica counts, not their conditions).
 * A shallow copy: the list's objects are not changed.
 */
function trimmed(item: KubeObject, resource: KubeResource): KubeObject {
  const { managedFields, ...metadata } = item.metadata as any;
  if (metadata.annotations?.[LAST_APPLIED]) {
    const { [LAST_APPLIED]: _, ...annotations } = metadata.annotations;
    metadata.annotations = annotations;
  }
  const object: KubeObject = {
    // Lists leave kind and apiVersion out of their items; a get has them.
    apiVersion: resource.group
      ? `${resource.group}/${resource.version}`
      : resource.version,
    kind: resource.kind,
    ...item,
    metadata,
  };
  if (item.status?.conditions) {
    const { conditions, ...status } = item.status;
    object.status = status;
  }
  return object;
}

/** An object as the snapshot keeps it. */
function keep(
  object: KubeObject,
  resource: KubeResource,
  namespace: string,
): KeptObject {
  return {
    namespace,
    name: object.metadata.name,
    labels: object.metadata.labels,
    json: Buffer.from(JSON.stringify(trimmed(object, resource))),
  };
}

let lastId = 0;

/** A change a watch reported, for {@link ClusterSnapshot.withChanges}. */
export type SnapshotChange = {
  resource: KubeResource;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
};

/**
 * A cluster as one set of list calls made at one moment (and the changes watched since, see
 * `withChanges`): every object a strategy's `read()` looks up, indexed by namespace and name. It
 * answers `get` and `list` like the cluster did at `readAt`, so the fleet runs the very same
 * `read()` as the entity tab — hundreds of entities, a handful of requests. Writes are refused: a
 * switch always reads the live cluster.
 */
export class ClusterSnapshot implements KubeClient {
  readonly cluster: string;
  readonly readAt: Date;
  /**
   * Tells snapshots apart without holding them: a snapshot never changes, so whatever was found
   * true of the snapshot with this id stays true of it.
   */
  readonly id: number = ++lastId;
  /** The names of the strategies whose objects it holds. */
  readonly strategies: ReadonlySet<string>;
  readonly #objects: Map<string, Kind>;

  /**
   * Lists what `strategies` need from `kube`, in parallel. Objects that `previous` (the last
   * snapshot of the same cluster) holds are taken from it when they come back unchanged: sent
   * byte for byte as before (the client then does not even parse them), or at the same
   * resourceVersion (the API server changes it with every write). Unchanged objects therefore
   * keep their entry from one read to the next, which the fleet's rows are cached on.
   */
  static async read(
    kube: KubeClient,
    strategies: Iterable<SwitchStrategy>,
    previous?: ClusterSnapshot,
  ): Promise<ClusterSnapshot> {
    const wanted = [...strategies];
    const calls = listCallsFor(wanted);
    const earlier = calls.map(call =>
      previous ? previous.#objects.get(keyOf(call.resource)) : undefined,
    );
    const lists = await Promise.all(
      calls.map(
        (call, i) =>
          kube.list(call.resource, undefined, {
            ...(call.labelSelector && { labelSelector: call.labelSelector }),
            // Empty the first time: the digests answered make the next read's map. An item whose
            // bytes are known is answered with the map's value, its entry, unparsed.
            reuse: (earlier[i]?.byDigest ?? new Map()) as ReadonlyMap<
              string,
              unknown
            > as ReadonlyMap<string, KubeObject>,
          }) as Promise<{
            items: Array<KubeObject | KeptObject>;
            digests?: string[];
            resourceVersion?: string;
          }>,
      ),
    );
    const objects = new Map<string, Kind>();
    calls.forEach((call, i) => {
      const { items, digests, resourceVersion } = lists[i];
      const kind: Kind = {
        resourceVersion,
        byName: new Map(),
        byNamespace: new Map(),
        byDigest: new Map(),
      };
      const before = earlier[i];
      items.forEach((item, j) => {
        const digest = digests?.[j];
        let kept: KeptObject;
        if (digest !== undefined && before?.byDigest.get(digest) === item) {
          kept = item as KeptObject;
        } else {
          const object = item as KubeObject;
          const namespace = object.metadata.namespace ?? '';
          const { name } = object.metadata;
          const old = before?.byName.get(namespace)?.get(name);
          kept =
            old && sameVersion(parseKept(old), object)
              ? old
              : keep(
                  object,
                  call.resource,
                  // The namespace string the index already holds, not one more copy per object.
                  kind.byNamespace.get(namespace)?.[0].namespace ?? namespace,
                );
        }
        if (digest !== undefined) kind.byDigest.set(digest, kept);
        const inNamespace = kind.byNamespace.get(kept.namespace);
        if (inNamespace) {
          inNamespace.push(kept);
          kind.byName.get(kept.namespace)!.set(kept.name, kept);
        } else {
          kind.byNamespace.set(kept.namespace, [kept]);
          kind.byName.set(kept.namespace, new Map([[kept.name, kept]]));
        }
      });
      objects.set(keyOf(call.resource), kind);
    });
    return new ClusterSnapshot(
      kube.cluster,
      new Set(wanted.map(w => w.name)),
      objects,
    );
  }

  private constructor(
    cluster: string,
    strategies: ReadonlySet<string>,
    objects: Map<string, Kind>,
  ) {
    this.cluster = cluster;
    this.strategies = strategies;
    this.#objects = objects;
    this.readAt = new Date();
  }

  /** The resourceVersion the list of `resource` answered: where a watch of it starts. */
  resourceVersionOf(resource: KubeResource): string | undefined {
    return this.#objects.get(keyOf(resource))?.resourceVersion;
  }

  /**
   * This snapshot with the changes a watch reported since, applied in order: a new snapshot that
   * shares every unchanged object (so the rows cached on them stay) and every namespace no change
   * touched. Changes to kinds this snapshot did not list are ignored.
   */
  withChanges(changes: readonly SnapshotChange[]): ClusterSnapshot {
    if (changes.length === 0) return this;
    const objects = new Map(this.#objects);
    const copied = new Map<Kind, Set<string>>();
    for (const { resource, type, object } of changes) {
      const key = keyOf(resource);
      const before = this.#objects.get(key);
      if (!before) continue;
      let kind = objects.get(key)!;
      if (kind === before) {
        kind = {
          ...before,
          byName: new Map(before.byName),
          byNamespace: new Map(before.byNamespace),
        };
        objects.set(key, kind);
        copied.set(kind, new Set());
      }
      const namespace = object.metadata.namespace ?? '';
      const namespaces = copied.get(kind)!;
      if (!namespaces.has(namespace)) {
        kind.byName.set(namespace, new Map(before.byName.get(namespace)));
        namespaces.add(namespace);
      }
      const names = kind.byName.get(namespace)!;
      if (type === 'DELETED') {
        names.delete(object.metadata.name);
      } else {
        names.set(
          object.metadata.name,
          keep(
            object,
            resource,
            before.byNamespace.get(namespace)?.[0].namespace ?? namespace,
          ),
        );
      }
    }
    for (const [kind, namespaces] of copied) {
      for (const namespace of namespaces) {
        const names = kind.byName.get(namespace)!;
        if (names.size === 0) {
          kind.byName.delete(namespace);
          kind.byNamespace.delete(namespace);
        } else {
          kind.byNamespace.set(namespace, [...names.values()]);
        }
      }
    }
    return new ClusterSnapshot(this.cluster, this.strategies, objects);
  }

  /** Whether this snapshot holds everything the named strategies look up. */
  covers(strategies: Iterable<string>): boolean {
    return [...strategies].every(s => this.strategies.has(s));
  }

  #kind(resource: KubeResource): Kind | undefined {
    const objects = this.#objects.get(keyOf(resource));
    if (!objects && !OMITTED.has(resource.plural)) {
      throw new Error(
        `the fleet snapshot of cluster ${this.cluster} did not list ${resource.plural}`,
      );
    }
    return objects;
  }

  async get<T extends KubeObject = KubeObject>(
    resource: KubeResource,
    namespace: string | undefined,
    name: string,
  ): Promise<T | undefined> {
    return this.lookup(resource, namespace, name) as T | undefined;
  }

  async list<T extends KubeObject = KubeObject>(
    resource: KubeResource,
    namespace: string | undefined,
    options?: { labelSelector?: string; fieldSelector?: string },
  ): Promise<{ items: T[] }> {
    if (options?.fieldSelector) {
      throw new Error('the fleet snapshot does not answer field selectors');
    }
    return {
      items: this.select(resource, namespace, options?.labelSelector) as T[],
    };
  }

  /** `get`, answered at once: a new object each time. */
  lookup(
    resource: KubeResource,
    namespace: string | undefined,
    name: string,
  ): KubeObject | undefined {
    const kept = this.entry(resource, namespace, name);
    return kept && parseKept(kept);
  }

  /** `list` (without a field selector), answered at once: new objects each time. */
  select(
    resource: KubeResource,
    namespace: string | undefined,
    labelSelector?: string,
  ): KubeObject[] {
    return this.#matching(resource, namespace, labelSelector).map(parseKept);
  }

  /** The entry `lookup` parses: the same one while the object is unchanged. */
  entry(
    resource: KubeResource,
    namespace: string | undefined,
    name: string,
  ): KeptObject | undefined {
    return this.#kind(resource)
      ?.byName.get(namespace ?? '')
      ?.get(name);
  }

  /** The entries `select` parses, in the same order. */
  entries(
    resource: KubeResource,
    namespace: string | undefined,
    labelSelector?: string,
  ): KeptObject[] {
    return this.#matching(resource, namespace, labelSelector);
  }

  /** The entries a list answers. */
  #matching(
    resource: KubeResource,
    namespace: string | undefined,
    labelSelector?: string,
  ): KeptObject[] {
    const kind = this.#kind(resource);
    if (!kind) return [];
    // One namespace's objects, not the whole kind's: the fleet lists once per entity.
    const candidates =
      namespace === undefined
        ? [...kind.byNamespace.values()].flat()
        : kind.byNamespace.get(namespace) ?? [];
    if (!labelSelector) return [...candidates];
    const selector = parseLabelSelector(labelSelector);
    return candidates.filter(kept => matchesLabels(selector, kept.labels));
  }

  /** Whether an object exists, e.g. to find which cluster runs an entity without a cluster annotation. */
  has(resource: KubeResource, namespace: string, name: string): boolean {
    return Boolean(this.#kind(resource)?.byName.get(namespace)?.has(name));
  }

  patch(): Promise<never> {
    return this.#readOnly();
  }

  create(): Promise<never> {
    return this.#readOnly();
  }

  replace(): Promise<never> {
    return this.#readOnly();
  }

  proxyGet(): Promise<never> {
    return this.#readOnly();
  }

  podLog(): Promise<never> {
    return this.#readOnly();
  }

  async #readOnly(): Promise<never> {
    throw new Error('the fleet snapshot is read-only');
  }
}
