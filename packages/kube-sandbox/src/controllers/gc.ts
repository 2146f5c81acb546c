/**
 * Garbage collection by ownerReferences (background, foreground and orphan deletion)
 * and namespace deletion, after pkg/controller/garbagecollector and namespace controller.
 */
import { typeKey } from '../api/resources';
import { KubeObject, StoreEvent } from '../api/store';
import { Cluster } from './cluster';

export class GarbageCollector {
  constructor(private readonly cluster: Cluster) {
    cluster.subscribe(e => this.onEvent(e));
  }

  private dependents(owner: KubeObject): Array<[string, KubeObject]> {
    const out: Array<[string, KubeObject]> = [];
    const uid = owner.metadata.uid;
    for (const t of this.cluster.registry.types) {
      if (t.virtual || !t.namespaced) continue;
      const key = typeKey(t);
      for (const o of this.cluster.store.objects(
        key,
        owner.metadata.namespace,
      )) {
        if (o.metadata.ownerReferences?.some(r => r.uid === uid))
          out.push([key, o]);
      }
    }
    return out;
  }

  private onEvent(e: StoreEvent) {
    const c = this.cluster;
    const md = e.obj.metadata;
    if (e.type === 'DELETED') {
      // Kinds that never own anything in the sandbox need no dependents scan.
      if (
        [
          'namespaces',
          'pods',
          'events',
          'endpoints',
          'endpointslices.discovery.k8s.io',
          'configmaps',
        ].includes(e.typeKey)
      )
        return;
      // Owners that are gone take their dependents with them (background propagation).
      setImmediate(() => {
        if (c.timers.isStopped) return;
        for (const [key, dep] of this.dependents(e.obj)) {
          const remaining = dep.metadata.ownerReferences!.filter(
            r => r.uid !== md.uid,
          );
          try {
            if (remaining.length) {
              c.api.update(
                c.type(key),
                dep.metadata.namespace,
                dep.metadata.name,
                o => {
                  o.metadata.ownerReferences = remaining;
                  return o;
                },
              );
            } else if (!dep.metadata.deletionTimestamp) {
              c.api.delete(
                c.type(key),
                dep.metadata.namespace,
                dep.metadata.name,
                { propagationPolicy: 'Background' },
              );
            }
          } catch {
            // already gone
          }
        }
      });
      return;
    }
    if (!md.deletionTimestamp) return;
    if (e.typeKey === 'namespaces') {
      setImmediate(() => this.finishNamespace(md.name));
      return;
    }
    const finalizers = md.finalizers ?? [];
    if (finalizers.includes('orphan')) {
      setImmediate(() => {
        for (const [key, dep] of this.dependents(e.obj)) {
          c.api.update(
            c.type(key),
            dep.metadata.namespace,
            dep.metadata.name,
            o => {
              o.metadata.ownerReferences = (
                o.metadata.ownerReferences ?? []
              ).filter(r => r.uid !== md.uid);
              if (!o.metadata.ownerReferences.length)
                delete o.metadata.ownerReferences;
              return o;
            },
          );
        }
        this.dropFinalizer(e.typeKey, e.obj, 'orphan');
      });
    } else if (finalizers.includes('foregroundDeletion')) {
      setImmediate(() => this.foreground(e.typeKey, e.obj));
    }
  }

  private foreground(key: string, obj: KubeObject) {
    const c = this.cluster;
    if (c.timers.isStopped) return;
    const deps = this.dependents(obj);
    for (const [k, dep] of deps) {
      if (!dep.metadata.deletionTimestamp) {
        c.api.delete(c.type(k), dep.metadata.namespace, dep.metadata.name, {
          propagationPolicy: 'Foreground',
        });
      }
    }
    if (deps.length) c.timers.after(100, () => this.foreground(key, obj));
    else this.dropFinalizer(key, obj, 'foregroundDeletion');
  }

  private dropFinalizer(key: string, obj: KubeObject, name: string) {
    const c = this.cluster;
    if (!c.store.peek(key, obj.metadata.namespace, obj.metadata.name)) return;
    c.api.update(c.type(key), obj.metadata.namespace, obj.metadata.name, o => {
      o.metadata.finalizers = (o.metadata.finalizers ?? []).filter(
        f => f !== name,
      );
      if (!o.metadata.finalizers.length) delete o.metadata.finalizers;
      return o;
    });
  }

  private finishNamespace(ns: string) {
    const c = this.cluster;
    if (c.timers.isStopped) return;
    let left = 0;
    for (const t of c.registry.types) {
      if (t.virtual || !t.namespaced) continue;
      for (const o of c.store.objects(typeKey(t), ns)) {
        left++;
        if (!o.metadata.deletionTimestamp) {
          try {
            c.api.delete(t, ns, o.metadata.name, {
              gracePeriodSeconds: t.kind === 'Pod' ? 0 : undefined,
            });
          } catch {
            // gone
          }
        } else if (t.kind === 'Pod') {
          c.api.finalizePod(ns, o.metadata.name);
        }
      }
    }
    if (left) c.timers.after(100, () => this.finishNamespace(ns));
    else c.store.remove('namespaces', undefined, ns);
  }
}
