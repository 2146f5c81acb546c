/**
 * In-memory object storage with an etcd-like global resourceVersion counter and a
 * per-type event history for watch replay. Stored objects are never mutated in place:
 * writers put a new object, readers get a clone (or `peek` a read-only reference).
 */

export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: Array<{
      apiVersion: string;
      kind: string;
      name: string;
      uid: string;
      controller?: boolean;
      blockOwnerDeletion?: boolean;
    }>;
    finalizers?: string[];
    generateName?: string;
    [k: string]: any;
  };
  [k: string]: any;
};

export interface StoredObject {
  obj: KubeObject;
  /** The object serialized once; lists concatenate these. */
  json: string;
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: EventType;
  typeKey: string;
  rv: number;
  obj: KubeObject;
  json: string;
  /** The object before this change (MODIFIED / DELETED). */
  prev?: KubeObject;
}

interface History {
  events: StoreEvent[];
  /** Highest resourceVersion that is no longer replayable. */
  compactedRv: number;
}

export function objectKey(namespace: string | undefined, name: string) {
  return namespace ? `${namespace}/${name}` : name;
}

export class Store {
  private rv = 1;
  private readonly tables = new Map<string, Map<string, StoredObject>>();
  /** Keys per type and namespace: a namespace's objects without a scan of the whole type. */
  private readonly namespaces = new Map<string, Map<string, Set<string>>>();
  /** Sorted keys per type (and namespace, '' for all), dropped when an object is added or removed. */
  private readonly sortedKeys = new Map<string, Map<string, string[]>>();
  private readonly history = new Map<string, History>();
  private readonly listeners = new Set<(e: StoreEvent) => void>();

  constructor(private readonly historyLimit = 10000) {}

  currentRv(): number {
    return this.rv;
  }

  private table(typeKey: string) {
    let t = this.tables.get(typeKey);
    if (!t) {
      t = new Map();
      this.tables.set(typeKey, t);
    }
    return t;
  }

  peek(typeKey: string, namespace: string | undefined, name: string) {
    return this.tables.get(typeKey)?.get(objectKey(namespace, name));
  }

  /** A deep copy the caller may change. */
  get(
    typeKey: string,
    namespace: string | undefined,
    name: string,
  ): KubeObject | undefined {
    const s = this.peek(typeKey, namespace, name);
    return s ? JSON.parse(s.json) : undefined;
  }

  /** The keys of a type's objects, all of them or one namespace's. */
  private keysOf(typeKey: string, namespace?: string): Iterable<string> {
    if (!namespace) return this.tables.get(typeKey)?.keys() ?? [];
    return this.namespaces.get(typeKey)?.get(namespace) ?? [];
  }

  /** Stored objects of a type, optionally in one namespace, in etcd key order. */
  list(typeKey: string, namespace?: string): StoredObject[] {
    const t = this.tables.get(typeKey);
    if (!t) return [];
    let sorted = this.sortedKeys.get(typeKey);
    if (!sorted) {
      sorted = new Map();
      this.sortedKeys.set(typeKey, sorted);
    }
    let keys = sorted.get(namespace ?? '');
    if (!keys) {
      keys = [...this.keysOf(typeKey, namespace)].sort();
      sorted.set(namespace ?? '', keys);
    }
    return keys.map(k => t.get(k)!);
  }

  /** Objects (read-only references) of a type, optionally in one namespace, unsorted: for controllers. */
  objects(typeKey: string, namespace?: string): KubeObject[] {
    const t = this.tables.get(typeKey);
    if (!t) return [];
    const out: KubeObject[] = [];
    for (const k of this.keysOf(typeKey, namespace)) out.push(t.get(k)!.obj);
    return out;
  }

  private indexNamespace(typeKey: string, obj: KubeObject, add: boolean) {
    const ns = obj.metadata.namespace;
    if (!ns) return;
    let byNamespace = this.namespaces.get(typeKey);
    if (!byNamespace) {
      byNamespace = new Map();
      this.namespaces.set(typeKey, byNamespace);
    }
    let keys = byNamespace.get(ns);
    if (!keys) {
      keys = new Set();
      byNamespace.set(ns, keys);
    }
    const key = objectKey(ns, obj.metadata.name);
    if (add) keys.add(key);
    else {
      keys.delete(key);
      if (keys.size === 0) byNamespace.delete(ns);
    }
  }

  count(typeKey: string): number {
    return this.tables.get(typeKey)?.size ?? 0;
  }

  /** Writes a new version of an object; assigns metadata.resourceVersion. */
  put(
    typeKey: string,
    obj: KubeObject,
    type: 'ADDED' | 'MODIFIED',
  ): StoredObject {
    const t = this.table(typeKey);
    const key = objectKey(obj.metadata.namespace, obj.metadata.name);
    const prev = t.get(key);
    this.rv++;
    obj.metadata.resourceVersion = String(this.rv);
    const stored = { obj, json: JSON.stringify(obj) };
    if (!prev) {
      this.sortedKeys.delete(typeKey);
      this.indexNamespace(typeKey, obj, true);
    }
    t.set(key, stored);
    this.emit({
      type: prev ? 'MODIFIED' : type,
      typeKey,
      rv: this.rv,
      obj,
      json: stored.json,
      prev: prev?.obj,
    });
    return stored;
  }

  remove(typeKey: string, namespace: string | undefined, name: string) {
    const t = this.tables.get(typeKey);
    const key = objectKey(namespace, name);
    const prev = t?.get(key);
    if (!t || !prev) return undefined;
    t.delete(key);
    this.sortedKeys.delete(typeKey);
    this.indexNamespace(typeKey, prev.obj, false);
    this.rv++;
    // A DELETED event carries the last state with the deletion's resourceVersion.
    const obj: KubeObject = JSON.parse(prev.json);
    obj.metadata.resourceVersion = String(this.rv);
    const json = JSON.stringify(obj);
    this.emit({
      type: 'DELETED',
      typeKey,
      rv: this.rv,
      obj,
      json,
      prev: prev.obj,
    });
    return { obj, json };
  }

  subscribe(listener: (e: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Events of a type after `rv`, or `{ expired }` when they are no longer kept. */
  eventsSince(
    typeKey: string,
    rv: number,
  ): { events: StoreEvent[] } | { expired: number } {
    const h = this.history.get(typeKey);
    if (!h) return { events: [] };
    if (rv < h.compactedRv) return { expired: h.compactedRv };
    // Binary search the first event with rv > given.
    let lo = 0;
    let hi = h.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (h.events[mid].rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    return { events: h.events.slice(lo) };
  }

  /** Drops history so older resourceVersions answer 410 Expired (for tests). */
  compact(typeKey?: string) {
    for (const [k, h] of this.history) {
      if (typeKey && k !== typeKey) continue;
      if (h.events.length) h.compactedRv = h.events[h.events.length - 1].rv;
      h.events = [];
    }
    if (typeKey && !this.history.has(typeKey)) {
      this.history.set(typeKey, { events: [], compactedRv: this.rv });
    }
  }

  private emit(e: StoreEvent) {
    let h = this.history.get(e.typeKey);
    if (!h) {
      h = { events: [], compactedRv: 0 };
      this.history.set(e.typeKey, h);
    }
    h.events.push(e);
    if (h.events.length > this.historyLimit) {
      const dropped = h.events.splice(0, h.events.length - this.historyLimit);
      h.compactedRv = dropped[dropped.length - 1].rv;
    }
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A listener's failure must not break the write.
      }
    }
  }
}
