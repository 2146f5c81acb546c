/**
 * Shared machinery of the simulated controllers: the API they write through, timers that
 * all stop with the sandbox, the event recorder, loopback address allocation and helpers.
 */
import { createHash } from 'crypto';
import { ResourceRegistry } from '../api/resources';
import { nowIso, ResourceService } from '../api/service';
import { KubeObject, Store, StoreEvent } from '../api/store';
import { parseQuantity } from '@bluegreen-backstage/plugin-blue-green-node';

export interface NodeCapacity {
  cpu: string;
  memory: string;
  pods: number;
}

export interface ClusterOptions {
  podReadyDelayMs: number;
  podTerminationDelayMs: number;
  /**
   * Interval of the simulated readiness probe (and of Unhealthy events); undefined: a pod turns
   * Ready once and is not probed again.
   */
  probePeriodMs?: number;
  /** First crash-loop / image-pull back-off; doubles up to 10×. */
  backoffBaseMs: number;
  nodeName: string;
  nodeCapacity: NodeCapacity;
  /** Start a real HTTP listener per pod and per Service. */
  listeners: boolean;
  /** Record Events (Scheduled, Pulled, …). */
  events: boolean;
}

export class Timers {
  private readonly handles = new Set<NodeJS.Timeout>();
  private stopped = false;

  after(ms: number, fn: () => void): NodeJS.Timeout | undefined {
    if (this.stopped) return undefined;
    const h = setTimeout(() => {
      this.handles.delete(h);
      fn();
    }, ms);
    this.handles.add(h);
    return h;
  }

  every(ms: number, fn: () => void): NodeJS.Timeout | undefined {
    if (this.stopped) return undefined;
    const h = setInterval(fn, ms);
    this.handles.add(h);
    return h;
  }

  cancel(h: NodeJS.Timeout | undefined) {
    if (!h) return;
    clearTimeout(h);
    clearInterval(h);
    this.handles.delete(h);
  }

  stopAll() {
    this.stopped = true;
    for (const h of this.handles) {
      clearTimeout(h);
      clearInterval(h);
    }
    this.handles.clear();
  }

  get isStopped() {
    return this.stopped;
  }
}

/** Hands out addresses from a /16 of 127.0.0.0/8 (Linux routes all of 127/8 to lo). */
export class AddressPool {
  private next = 2;
  private readonly free: string[] = [];
  constructor(private readonly prefix: string) {}

  allocate(): string {
    return this.free.shift() ?? this.fresh();
  }

  private fresh(): string {
    const n = this.next++;
    if (n >= 254 * 256)
      throw new Error(`address pool ${this.prefix}.0.0/16 exhausted`);
    return `${this.prefix}.${Math.floor(n / 254)}.${(n % 254) + 1}`;
  }

  /**
   * An address after one was found taken by another process: another sandbox on the same /16
   * holds a run of consecutive addresses, so the next ones would be taken too; jump past them to
   * a random place further on.
   */
  allocateElsewhere(): string {
    this.next += 256 + Math.floor(Math.random() * 4096);
    if (this.next >= 254 * 256) this.next = 2 + Math.floor(Math.random() * 254);
    return this.fresh();
  }

  release(ip: string) {
    if (ip.startsWith(`${this.prefix}.`) && !this.free.includes(ip))
      this.free.push(ip);
  }
}

export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .filter(k => (v as any)[k] !== undefined)
      .sort()
      .map(k => `${JSON.stringify(k)}:${canonicalJson((v as any)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

/** A pod-template hash in the style of the Deployment controller (FNV-32a, SafeEncodeString). */
export function templateHash(template: unknown, collisionCount = 0): string {
  const text =
    canonicalJson(template) + (collisionCount ? String(collisionCount) : '');
  let h = 0x811c9dc5;
  for (const b of Buffer.from(text)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return String(h)
    .split('')
    .map(c => SAFE[c.charCodeAt(0) % SAFE.length])
    .join('');
}

export function randomHex(n: number): string {
  return createHash('sha256')
    .update(`${Math.random()}${Date.now()}`)
    .digest('hex')
    .slice(0, n);
}

/** A Kubernetes quantity ("250m", "256Mi", "1e6") as a number; 0 when absent or not one. */
export function amount(q: unknown): number {
  return parseQuantity(q) ?? 0;
}

export function controllerOf(o: KubeObject) {
  return o.metadata.ownerReferences?.find(r => r.controller);
}

export function ownerRef(owner: KubeObject) {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export class Cluster {
  readonly timers = new Timers();
  // A /16 of 127/8 per sandbox, picked at random so concurrent sandboxes (parallel test
  // workers) rarely share addresses; a pod whose port is taken anyway gets the next address.
  private readonly net = 10 + Math.floor(Math.random() * 110);
  readonly podIps = new AddressPool(`127.${this.net}`);
  readonly serviceIps = new AddressPool(`127.${this.net + 120}`);
  readonly nodeIp = '127.0.0.1';
  private readonly eventIndex = new Map<string, string>();

  /** typeKey -> controller owner uid -> object names ("ns/name"). */
  private readonly owned = new Map<string, Map<string, Set<string>>>();

  constructor(
    readonly store: Store,
    readonly api: ResourceService,
    readonly registry: ResourceRegistry,
    readonly options: ClusterOptions,
  ) {
    store.subscribe(e => this.index(e));
  }

  private index(e: StoreEvent) {
    if (e.typeKey !== 'pods' && e.typeKey !== 'replicasets.apps') return;
    let byOwner = this.owned.get(e.typeKey);
    if (!byOwner) {
      byOwner = new Map();
      this.owned.set(e.typeKey, byOwner);
    }
    const key = `${e.obj.metadata.namespace}/${e.obj.metadata.name}`;
    const before = e.prev ? controllerOf(e.prev)?.uid : undefined;
    const after = e.type === 'DELETED' ? undefined : controllerOf(e.obj)?.uid;
    if (before && before !== after) byOwner.get(before)?.delete(key);
    if (after) {
      let set = byOwner.get(after);
      if (!set) {
        set = new Set();
        byOwner.set(after, set);
      }
      set.add(key);
    }
  }

  /** Objects of a type (pods, replicasets.apps) whose controller is `ownerUid`. */
  ownedBy(typeKey: string, ownerUid: string | undefined): KubeObject[] {
    if (!ownerUid) return [];
    const names = this.owned.get(typeKey)?.get(ownerUid);
    if (!names) return [];
    const out: KubeObject[] = [];
    for (const k of names) {
      const i = k.indexOf('/');
      const s = this.store.peek(typeKey, k.slice(0, i), k.slice(i + 1));
      if (s && controllerOf(s.obj)?.uid === ownerUid) out.push(s.obj);
    }
    return out;
  }

  type(key: string) {
    return this.registry.byKey(key);
  }

  subscribe(fn: (e: StoreEvent) => void) {
    return this.store.subscribe(e => {
      if (!this.timers.isStopped) fn(e);
    });
  }

  /** Records (or increments) an Event about `obj`, like client-go's event recorder. */
  event(
    obj: KubeObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    component = 'sandbox',
  ) {
    if (!this.options.events) return;
    const ns = obj.metadata.namespace ?? 'default';
    const uid = obj.metadata.uid;
    const indexKey = `${ns}|${uid}|${type}|${reason}|${message}`;
    const existingName = this.eventIndex.get(indexKey);
    const existing = existingName
      ? this.store.peek('events', ns, existingName)?.obj
      : undefined;
    const now = nowIso();
    const eventsType = this.type('events');
    if (existing) {
      this.api.update(eventsType, ns, existing.metadata.name, e => {
        e.count = (e.count ?? 1) + 1;
        e.lastTimestamp = now;
        return e;
      });
      return;
    }
    const host = this.options.nodeName;
    const name = `${obj.metadata.name}.${randomHex(16)}`;
    this.eventIndex.set(indexKey, name);
    this.api.create(eventsType, ns, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: ns },
      involvedObject: {
        kind: obj.kind,
        namespace: obj.metadata.namespace,
        name: obj.metadata.name,
        uid,
        apiVersion: obj.apiVersion,
        resourceVersion: obj.metadata.resourceVersion,
        ...(obj.kind === 'Pod'
          ? {
              fieldPath: `spec.containers{${
                obj.spec?.containers?.[0]?.name ?? ''
              }}`,
            }
          : {}),
      },
      reason,
      message,
      source: { component, ...(component === 'kubelet' ? { host } : {}) },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: component,
      reportingInstance: component === 'kubelet' ? host : '',
    });
  }
}

/** A reconcile queue drained on the next tick, so bursts of events coalesce. */
export abstract class Controller {
  private readonly queue = new Set<string>();
  private scheduled = false;

  constructor(protected readonly cluster: Cluster) {}

  enqueue(key: string) {
    this.queue.add(key);
    if (!this.scheduled && !this.cluster.timers.isStopped) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  private drain() {
    this.scheduled = false;
    if (this.cluster.timers.isStopped) return;
    const keys = [...this.queue];
    this.queue.clear();
    for (const k of keys) {
      try {
        this.reconcile(k);
      } catch (e) {
        if (process.env.KUBE_SANDBOX_DEBUG)
          process.stderr.write(
            `reconcile ${k} failed: ${(e as Error).stack}\n`,
          );
        // A failed reconcile is retried shortly, like a controller's rate-limited requeue.
        this.cluster.timers.after(200, () => this.enqueue(k));
      }
    }
  }

  abstract reconcile(key: string): void;
}

export function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}
