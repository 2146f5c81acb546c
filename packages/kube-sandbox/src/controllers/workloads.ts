/**
 * Deployment → ReplicaSet → Pod controllers, after kubernetes pkg/controller/deployment
 * and pkg/controller/replicaset: pod-template-hash, revisions, rolling update with
 * maxSurge/maxUnavailable, Recreate, pause, revisionHistoryLimit, progress deadline, and
 * status fields and conditions as the real controllers write them (zeros omitted).
 */
import { nowIso } from '../api/service';
import { defaultPodSpec } from '../api/defaults';
import { KubeObject, StoreEvent } from '../api/store';
import {
  canonicalJson,
  Cluster,
  Controller,
  controllerOf,
  ownerRef,
  splitKey,
  templateHash,
} from './cluster';

export const POD_TEMPLATE_HASH = 'pod-template-hash';
export const REVISION = 'deployment.kubernetes.io/revision';
const DESIRED = 'deployment.kubernetes.io/desired-replicas';
const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
const ANNOTATIONS_TO_SKIP = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  'deployment.kubernetes.io/revision-history',
  DESIRED,
  MAX_REPLICAS,
  'deprecated.deployment.rollback.to',
]);

export function isPodReady(pod: KubeObject): boolean {
  return (
    !pod.metadata.deletionTimestamp &&
    (pod.status?.conditions ?? []).some(
      (c: any) => c.type === 'Ready' && c.status === 'True',
    )
  );
}

function isPodAvailable(pod: KubeObject, minReadySeconds: number, now: number) {
  if (!isPodReady(pod)) return false;
  if (!minReadySeconds) return true;
  const c = (pod.status?.conditions ?? []).find((x: any) => x.type === 'Ready');
  return Date.parse(c.lastTransitionTime) + minReadySeconds * 1000 <= now;
}

function omitZero<T extends Record<string, any>>(o: T): T {
  for (const k of Object.keys(o))
    if (o[k] === 0 || o[k] === undefined) delete o[k];
  return o;
}

/** Resolves an IntOrString like "25%" against a total. */
export function resolveIntOrPercent(
  v: unknown,
  total: number,
  roundUp: boolean,
): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.endsWith('%')) {
    const x = (Number(v.slice(0, -1)) * total) / 100;
    return roundUp ? Math.ceil(x) : Math.floor(x);
  }
  return Number(v) || 0;
}

function stripHash(template: any) {
  const t = JSON.parse(JSON.stringify(template ?? {}));
  // Compare as the API server stores them: defaulted, without the null creationTimestamp.
  defaultPodSpec(t.spec);
  if (t.metadata) delete t.metadata.creationTimestamp;
  if (t.metadata && !Object.keys(t.metadata).length) delete t.metadata;
  if (t.metadata?.labels) {
    delete t.metadata.labels[POD_TEMPLATE_HASH];
    delete t.metadata.labels['rollouts-pod-template-hash'];
  }
  return t;
}

export function templatesEqual(a: any, b: any): boolean {
  return canonicalJson(stripHash(a)) === canonicalJson(stripHash(b));
}

export function revisionOf(o: KubeObject): number {
  return Number(o.metadata.annotations?.[REVISION] ?? 0) || 0;
}

function setCondition(
  conditions: any[],
  type: string,
  status: string,
  reason: string,
  message: string,
  updateTime = true,
) {
  const now = nowIso();
  const existing = conditions.find(c => c.type === type);
  if (existing) {
    const changed = existing.status !== status;
    if (changed) existing.lastTransitionTime = now;
    if (changed || existing.reason !== reason || existing.message !== message) {
      if (updateTime || changed) existing.lastUpdateTime = now;
    }
    existing.status = status;
    existing.reason = reason;
    existing.message = message;
    return existing;
  }
  const c = {
    type,
    status,
    lastUpdateTime: now,
    lastTransitionTime: now,
    reason,
    message,
  };
  conditions.push(c);
  return c;
}

export class ReplicaSetController extends Controller {
  constructor(cluster: Cluster) {
    super(cluster);
    cluster.subscribe(e => this.onEvent(e));
  }

  private onEvent(e: StoreEvent) {
    if (e.typeKey === 'replicasets.apps') {
      this.enqueue(`${e.obj.metadata.namespace}/${e.obj.metadata.name}`);
    } else if (e.typeKey === 'pods') {
      const owner = controllerOf(e.obj);
      if (owner?.kind === 'ReplicaSet')
        this.enqueue(`${e.obj.metadata.namespace}/${owner.name}`);
    }
  }

  reconcile(key: string) {
    const [ns, name] = splitKey(key);
    const c = this.cluster;
    const rs = c.store.peek('replicasets.apps', ns, name)?.obj;
    if (!rs || rs.metadata.deletionTimestamp) return;
    const all = c.ownedBy('pods', rs.metadata.uid);
    const active = all.filter(
      p =>
        !p.metadata.deletionTimestamp &&
        !['Succeeded', 'Failed'].includes(p.status?.phase),
    );
    const want = rs.spec?.replicas ?? 1;
    const podsType = c.type('pods');
    if (active.length < want) {
      const tpl = rs.spec.template ?? {};
      for (let i = active.length; i < want; i++) {
        const pod = c.api.create(podsType, ns, {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            generateName: `${name}-`,
            labels: { ...(tpl.metadata?.labels ?? {}) },
            ...(tpl.metadata?.annotations
              ? { annotations: { ...tpl.metadata.annotations } }
              : {}),
            ownerReferences: [ownerRef(rs)],
          },
          spec: JSON.parse(JSON.stringify(tpl.spec ?? {})),
        });
        active.push(pod.obj);
        c.event(
          rs,
          'Normal',
          'SuccessfulCreate',
          `Created pod: ${pod.obj.metadata.name}`,
          'replicaset-controller',
        );
      }
    } else if (active.length > want) {
      // Deletion order of the real controller: unscheduled, pending, not ready, then newest.
      const rank = (p: KubeObject) =>
        (!p.spec?.nodeName ? 0 : 4) +
        (p.status?.phase === 'Pending' ? 0 : 2) +
        (isPodReady(p) ? 1 : 0);
      const victims = [...active]
        .sort(
          (a, b) =>
            rank(a) - rank(b) ||
            Date.parse(b.metadata.creationTimestamp!) -
              Date.parse(a.metadata.creationTimestamp!),
        )
        .slice(0, active.length - want);
      for (const p of victims) {
        c.api.delete(podsType, ns, p.metadata.name);
        c.event(
          rs,
          'Normal',
          'SuccessfulDelete',
          `Deleted pod: ${p.metadata.name}`,
          'replicaset-controller',
        );
      }
      const gone = new Set(victims.map(v => v.metadata.name));
      active.splice(
        0,
        active.length,
        ...active.filter(p => !gone.has(p.metadata.name)),
      );
    }
    const now = Date.now();
    const minReady = rs.spec?.minReadySeconds ?? 0;
    const ready = active.filter(isPodReady).length;
    const available = active.filter(p =>
      isPodAvailable(p, minReady, now),
    ).length;
    if (available < ready)
      c.timers.after(minReady * 1000, () => this.enqueue(key));
    const status = {
      replicas: active.length,
      ...omitZero({
        fullyLabeledReplicas: active.length,
        readyReplicas: ready,
        availableReplicas: available,
      }),
      observedGeneration: rs.metadata.generation,
    };
    c.api.update(
      c.type('replicasets.apps'),
      ns,
      name,
      o => {
        const conditions = o.status?.conditions;
        o.status = conditions ? { ...status, conditions } : status;
        return o;
      },
      { subresource: 'status' },
    );
  }
}

export class DeploymentController extends Controller {
  constructor(cluster: Cluster) {
    super(cluster);
    cluster.subscribe(e => this.onEvent(e));
    // Progress deadlines and minReadySeconds need a clock, not only events.
    cluster.timers.every(1000, () => {
      for (const d of cluster.store.objects('deployments.apps')) {
        const p = (d.status?.conditions ?? []).find(
          (x: any) => x.type === 'Progressing',
        );
        if (
          p &&
          p.reason !== 'NewReplicaSetAvailable' &&
          p.reason !== 'ProgressDeadlineExceeded'
        ) {
          this.enqueue(`${d.metadata.namespace}/${d.metadata.name}`);
        }
      }
    });
  }

  private onEvent(e: StoreEvent) {
    if (e.typeKey === 'deployments.apps') {
      this.enqueue(`${e.obj.metadata.namespace}/${e.obj.metadata.name}`);
    } else if (e.typeKey === 'replicasets.apps') {
      const owner = controllerOf(e.obj);
      if (owner?.kind === 'Deployment')
        this.enqueue(`${e.obj.metadata.namespace}/${owner.name}`);
    }
  }

  reconcile(key: string) {
    const [ns, name] = splitKey(key);
    const c = this.cluster;
    const d = c.store.peek('deployments.apps', ns, name)?.obj;
    if (!d || d.metadata.deletionTimestamp) return;
    const rsType = c.type('replicasets.apps');
    const spec = d.spec ?? {};
    const replicas: number = spec.replicas ?? 1;
    let rsList = c.ownedBy('replicasets.apps', d.metadata.uid);
    const maxRevision = Math.max(0, ...rsList.map(revisionOf));
    let newRS = rsList.find(rs =>
      templatesEqual(rs.spec?.template, spec.template),
    );
    let created = false;

    const rsAnnotations = (revision: number) => {
      const a: Record<string, string> = {};
      for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
        if (!ANNOTATIONS_TO_SKIP.has(k)) a[k] = v;
      }
      a[DESIRED] = String(replicas);
      a[MAX_REPLICAS] = String(replicas + this.maxSurge(d));
      a[REVISION] = String(revision);
      return a;
    };

    if (!newRS && !spec.paused) {
      const hash = templateHash(spec.template, d.status?.collisionCount ?? 0);
      const template = JSON.parse(JSON.stringify(spec.template ?? {}));
      template.metadata ??= {};
      template.metadata.labels = {
        ...(template.metadata.labels ?? {}),
        [POD_TEMPLATE_HASH]: hash,
      };
      const selector = JSON.parse(JSON.stringify(spec.selector ?? {}));
      selector.matchLabels = {
        ...(selector.matchLabels ?? {}),
        [POD_TEMPLATE_HASH]: hash,
      };
      const hasOld = rsList.some(rs => (rs.spec?.replicas ?? 0) > 0);
      const initial =
        spec.strategy?.type === 'Recreate' || hasOld ? 0 : replicas;
      const rs = c.api.create(rsType, ns, {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `${name}-${hash}`,
          labels: { ...(template.metadata.labels ?? {}) },
          annotations: rsAnnotations(maxRevision + 1),
          ownerReferences: [ownerRef(d)],
        },
        spec: {
          replicas: initial,
          ...(spec.minReadySeconds
            ? { minReadySeconds: spec.minReadySeconds }
            : {}),
          selector,
          template,
        },
      });
      newRS = rs.obj;
      created = true;
      rsList = [...rsList, newRS];
      if (initial > 0) {
        c.event(
          d,
          'Normal',
          'ScalingReplicaSet',
          `Scaled up replica set ${newRS.metadata.name} from 0 to ${initial}`,
          'deployment-controller',
        );
      }
    } else if (
      newRS &&
      (revisionOf(newRS) < maxRevision ||
        newRS.metadata.annotations?.[DESIRED] !== String(replicas))
    ) {
      // A rollback to an old template re-uses its ReplicaSet under a new revision.
      const revision =
        revisionOf(newRS) < maxRevision ? maxRevision + 1 : revisionOf(newRS);
      newRS = c.api.update(rsType, ns, newRS.metadata.name, o => {
        o.metadata.annotations = { ...rsAnnotations(revision) };
        return o;
      }).obj;
    }
    if (
      newRS &&
      d.metadata.annotations?.[REVISION] !==
        newRS.metadata.annotations?.[REVISION]
    ) {
      const rev = newRS.metadata.annotations![REVISION];
      c.api.update(
        c.type('deployments.apps'),
        ns,
        name,
        o => {
          o.metadata.annotations = {
            ...(o.metadata.annotations ?? {}),
            [REVISION]: rev,
          };
          return o;
        },
        { subresource: 'status' },
      );
    }

    const oldRSs = rsList.filter(rs => rs !== newRS);
    const scale = (rs: KubeObject, to: number) => {
      const from = rs.spec?.replicas ?? 0;
      if (from === to) return;
      c.api.update(rsType, ns, rs.metadata.name, o => {
        o.spec.replicas = to;
        o.metadata.annotations = {
          ...(o.metadata.annotations ?? {}),
          [DESIRED]: String(replicas),
        };
        return o;
      });
      rs.spec = { ...rs.spec, replicas: to };
      c.event(
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled ${to > from ? 'up' : 'down'} replica set ${
          rs.metadata.name
        } from ${from} to ${to}`,
        'deployment-controller',
      );
    };
    const specReplicas = (rs: KubeObject) => rs.spec?.replicas ?? 0;
    const availableOf = (rs: KubeObject) => rs.status?.availableReplicas ?? 0;

    if (spec.paused) {
      // A paused Deployment only follows scaling, on its newest ReplicaSet.
      const current =
        newRS ?? rsList.sort((a, b) => revisionOf(b) - revisionOf(a))[0];
      if (current && oldRSs.every(rs => specReplicas(rs) === 0))
        scale(current, replicas);
    } else if (newRS && spec.strategy?.type === 'Recreate') {
      const oldActive = oldRSs.filter(
        rs => specReplicas(rs) > 0 || (rs.status?.replicas ?? 0) > 0,
      );
      for (const rs of oldRSs) scale(rs, 0);
      if (!oldActive.some(rs => (rs.status?.replicas ?? 0) > 0))
        scale(newRS, replicas);
    } else if (newRS) {
      const maxSurge = this.maxSurge(d);
      let maxUnavailable = resolveIntOrPercent(
        spec.strategy?.rollingUpdate?.maxUnavailable ?? '25%',
        replicas,
        false,
      );
      if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
      // Scale up the new ReplicaSet within maxSurge.
      const total = rsList.reduce((n, rs) => n + specReplicas(rs), 0);
      if (specReplicas(newRS) > replicas) scale(newRS, replicas);
      else if (specReplicas(newRS) < replicas) {
        const room = Math.min(
          replicas + maxSurge - total,
          replicas - specReplicas(newRS),
        );
        if (room > 0) scale(newRS, specReplicas(newRS) + room);
      }
      // Scale down old ReplicaSets within maxUnavailable.
      const allPods = rsList.reduce((n, rs) => n + specReplicas(rs), 0);
      const minAvailable = replicas - maxUnavailable;
      const newUnavailable = specReplicas(newRS) - availableOf(newRS);
      let budget = allPods - minAvailable - newUnavailable;
      // First the old replicas that are not available anyway.
      for (const rs of oldRSs) {
        const unhealthy = specReplicas(rs) - availableOf(rs);
        if (unhealthy > 0 && specReplicas(rs) > 0) {
          const n = Math.min(unhealthy, specReplicas(rs));
          scale(rs, specReplicas(rs) - n);
        }
      }
      const ordered = [...oldRSs].sort((a, b) => revisionOf(a) - revisionOf(b));
      for (const rs of ordered) {
        if (budget <= 0) break;
        const n = Math.min(budget, specReplicas(rs));
        if (n > 0) {
          scale(rs, specReplicas(rs) - n);
          budget -= n;
        }
      }
    }

    // Old ReplicaSets beyond revisionHistoryLimit go away once scaled to zero.
    const limit = spec.revisionHistoryLimit ?? 10;
    const idle = oldRSs
      .filter(rs => specReplicas(rs) === 0 && (rs.status?.replicas ?? 0) === 0)
      .sort((a, b) => revisionOf(a) - revisionOf(b));
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
      c.api.delete(rsType, ns, rs.metadata.name);
    }

    this.writeStatus(d, newRS, rsList, created);
  }

  private maxSurge(d: KubeObject) {
    if (d.spec?.strategy?.type === 'Recreate') return 0;
    return resolveIntOrPercent(
      d.spec?.strategy?.rollingUpdate?.maxSurge ?? '25%',
      d.spec?.replicas ?? 1,
      true,
    );
  }

  private writeStatus(
    d: KubeObject,
    newRS: KubeObject | undefined,
    rsList: KubeObject[],
    created: boolean,
  ) {
    const c = this.cluster;
    const replicas: number = d.spec?.replicas ?? 1;
    const sum = (f: (rs: KubeObject) => number) =>
      rsList.reduce((n, rs) => n + f(rs), 0);
    const statusReplicas = sum(rs => rs.status?.replicas ?? 0);
    const updated = newRS?.status?.replicas ?? 0;
    const ready = sum(rs => rs.status?.readyReplicas ?? 0);
    const available = sum(rs => rs.status?.availableReplicas ?? 0);
    const maxUnavailable =
      d.spec?.strategy?.type === 'Recreate'
        ? 0
        : resolveIntOrPercent(
            d.spec?.strategy?.rollingUpdate?.maxUnavailable ?? '25%',
            replicas,
            false,
          );
    const rsName = newRS?.metadata.name ?? '';
    const deadline = (d.spec?.progressDeadlineSeconds ?? 600) * 1000;
    c.api.update(
      c.type('deployments.apps'),
      d.metadata.namespace,
      d.metadata.name,
      o => {
        const prev = o.status ?? {};
        const conditions: any[] = JSON.parse(
          JSON.stringify(prev.conditions ?? []),
        );
        if (available >= replicas - maxUnavailable) {
          setCondition(
            conditions,
            'Available',
            'True',
            'MinimumReplicasAvailable',
            'Deployment has minimum availability.',
          );
        } else {
          setCondition(
            conditions,
            'Available',
            'False',
            'MinimumReplicasUnavailable',
            'Deployment does not have minimum availability.',
          );
        }
        const complete =
          updated === replicas &&
          available === replicas &&
          statusReplicas === replicas &&
          (newRS?.status?.availableReplicas ?? 0) === replicas;
        const progressed =
          prev.updatedReplicas !== (updated || undefined) ||
          prev.availableReplicas !== (available || undefined) ||
          prev.readyReplicas !== (ready || undefined) ||
          prev.replicas !== (statusReplicas || undefined);
        const current = conditions.find(x => x.type === 'Progressing');
        if (o.spec?.paused) {
          setCondition(
            conditions,
            'Progressing',
            'Unknown',
            'DeploymentPaused',
            'Deployment is paused',
          );
        } else if (complete) {
          setCondition(
            conditions,
            'Progressing',
            'True',
            'NewReplicaSetAvailable',
            `ReplicaSet "${rsName}" has successfully progressed.`,
          );
        } else if (created) {
          setCondition(
            conditions,
            'Progressing',
            'True',
            'NewReplicaSetCreated',
            `Created new replica set "${rsName}"`,
          );
        } else if (
          progressed ||
          !current ||
          current.reason === 'NewReplicaSetAvailable' ||
          current.reason === 'DeploymentPaused' ||
          current.reason === 'DeploymentResumed'
        ) {
          setCondition(
            conditions,
            'Progressing',
            'True',
            'ReplicaSetUpdated',
            `ReplicaSet "${rsName}" is progressing.`,
          );
          const p = conditions.find(x => x.type === 'Progressing');
          p.lastUpdateTime = nowIso();
        } else if (
          current.reason !== 'ProgressDeadlineExceeded' &&
          Date.parse(current.lastUpdateTime) + deadline < Date.now()
        ) {
          setCondition(
            conditions,
            'Progressing',
            'False',
            'ProgressDeadlineExceeded',
            `ReplicaSet "${rsName}" has timed out progressing.`,
          );
        }
        const status: any = {
          observedGeneration: o.metadata.generation,
          ...omitZero({
            replicas: statusReplicas,
            updatedReplicas: updated,
            readyReplicas: ready,
            availableReplicas: available,
            unavailableReplicas: Math.max(0, replicas - available),
          }),
          conditions: conditions.sort(
            (a, b) =>
              Number(b.type === 'Available') - Number(a.type === 'Available'),
          ),
          ...(prev.collisionCount
            ? { collisionCount: prev.collisionCount }
            : {}),
        };
        o.status = status;
        return o;
      },
      { subresource: 'status' },
    );
  }
}
