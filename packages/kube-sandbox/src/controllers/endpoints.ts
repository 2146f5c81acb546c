/**
 * Service → Endpoints and EndpointSlices from the selector and pod readiness
 * (pkg/controller/endpoint, pkg/controller/endpointslice), and ClusterIP allocation.
 */
import { ApiError } from '../api/errors';
import { ResourceType } from '../api/resources';
import { matchesMap } from '../api/selectors';
import { KubeObject, StoreEvent } from '../api/store';
import {
  canonicalJson,
  Cluster,
  Controller,
  ownerRef,
  splitKey,
} from './cluster';
import { isPodReady } from './workloads';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
const SLICE_CONTROLLER = 'endpointslice-controller.k8s.io';

/** Resolves a Service port's targetPort (number or container port name) on a pod. */
export function resolveTargetPort(
  port: any,
  pod: KubeObject,
): number | undefined {
  const tp = port.targetPort ?? port.port;
  if (typeof tp === 'number') return tp;
  if (/^\d+$/.test(String(tp))) return Number(tp);
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === tp) return p.containerPort;
  }
  return undefined;
}

/** Admission for Services: ClusterIP from 127.2.0.0/16, kept on update. */
export function serviceAdmission(cluster: Cluster) {
  return (
    op: string,
    type: ResourceType,
    obj: KubeObject,
    old?: KubeObject,
  ) => {
    if (type.kind !== 'Service') return;
    const spec = (obj.spec ??= {});
    if (op === 'UPDATE' && old) {
      if (!spec.clusterIP && old.spec?.clusterIP) {
        spec.clusterIP = old.spec.clusterIP;
        spec.clusterIPs = old.spec.clusterIPs;
      } else if (
        spec.clusterIP &&
        old.spec?.clusterIP &&
        spec.clusterIP !== old.spec.clusterIP
      ) {
        throw new ApiError(
          422,
          'Invalid',
          `Service "${obj.metadata.name}" is invalid: spec.clusterIPs[0]: Invalid value: []string{"${spec.clusterIP}"}: may not change once set`,
          {
            name: obj.metadata.name,
            kind: 'Service',
            causes: [
              {
                reason: 'FieldValueInvalid',
                message: 'Invalid value: may not change once set',
                field: 'spec.clusterIPs[0]',
              },
            ],
          },
        );
      }
      spec.ipFamilies ??= old.spec?.ipFamilies;
      spec.ipFamilyPolicy ??= old.spec?.ipFamilyPolicy;
      return;
    }
    if (spec.type === 'ExternalName') return;
    if (!spec.clusterIP) {
      const ip = cluster.serviceIps.allocate();
      spec.clusterIP = ip;
      spec.clusterIPs = [ip];
    } else if (spec.clusterIP !== 'None') {
      spec.clusterIPs ??= [spec.clusterIP];
    }
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
  };
}

export class EndpointsController extends Controller {
  constructor(cluster: Cluster) {
    super(cluster);
    cluster.subscribe(e => this.onEvent(e));
  }

  private onEvent(e: StoreEvent) {
    const ns = e.obj.metadata.namespace;
    if (e.typeKey === 'services') {
      this.enqueue(`${ns}/${e.obj.metadata.name}`);
      if (e.type === 'DELETED' && e.obj.spec?.clusterIP)
        this.cluster.serviceIps.release(e.obj.spec.clusterIP);
    } else if (e.typeKey === 'pods') {
      // Only a change to what endpoints show matters.
      if (
        e.type === 'MODIFIED' &&
        e.prev &&
        this.podView(e.prev) === this.podView(e.obj)
      )
        return;
      for (const svc of this.cluster.store.objects('services', ns)) {
        const sel = svc.spec?.selector;
        if (!sel) continue;
        if (
          matchesMap(sel, e.obj.metadata.labels) ||
          (e.prev && matchesMap(sel, e.prev.metadata.labels))
        ) {
          this.enqueue(`${ns}/${svc.metadata.name}`);
        }
      }
    }
  }

  private podView(p: KubeObject) {
    return `${canonicalJson(p.metadata.labels ?? {})}|${
      p.status?.podIP
    }|${isPodReady(p)}|${!!p.metadata.deletionTimestamp}|${p.spec?.nodeName}`;
  }

  reconcile(key: string) {
    const [ns, name] = splitKey(key);
    const c = this.cluster;
    const svc = c.store.peek('services', ns, name)?.obj;
    const epType = c.type('endpoints');
    const sliceType = c.type('endpointslices.discovery.k8s.io');
    const slices = c.store
      .objects('endpointslices.discovery.k8s.io', ns)
      .filter(
        s =>
          s.metadata.labels?.[SERVICE_NAME_LABEL] === name &&
          s.metadata.labels?.[MANAGED_BY] === SLICE_CONTROLLER,
      );
    if (!svc || !svc.spec?.selector) {
      if (!svc) {
        if (c.store.peek('endpoints', ns, name)) c.api.delete(epType, ns, name);
        for (const s of slices) c.api.delete(sliceType, ns, s.metadata.name);
      }
      return;
    }
    const pods = c.store
      .objects('pods', ns)
      .filter(
        p =>
          p.status?.podIP && matchesMap(svc.spec.selector, p.metadata.labels),
      )
      .sort((a, b) => (a.status.podIP < b.status.podIP ? -1 : 1));
    const ports: any[] = svc.spec.ports ?? [];

    // Endpoints: subsets grouped by the resolved port set.
    const groups = new Map<
      string,
      { ports: any[]; addresses: any[]; notReadyAddresses: any[] }
    >();
    for (const p of pods) {
      const resolved = ports
        .map(sp => ({
          name: sp.name,
          port: resolveTargetPort(sp, p),
          protocol: sp.protocol ?? 'TCP',
        }))
        .filter(x => x.port !== undefined)
        .map(x => (x.name ? x : { port: x.port, protocol: x.protocol }));
      const k = canonicalJson(resolved);
      let g = groups.get(k);
      if (!g) {
        g = { ports: resolved, addresses: [], notReadyAddresses: [] };
        groups.set(k, g);
      }
      const addr = {
        ip: p.status.podIP,
        nodeName: p.spec?.nodeName,
        targetRef: {
          kind: 'Pod',
          namespace: ns,
          name: p.metadata.name,
          uid: p.metadata.uid,
        },
      };
      if (isPodReady(p)) g.addresses.push(addr);
      else if (!p.metadata.deletionTimestamp) g.notReadyAddresses.push(addr);
    }
    const subsets = [...groups.values()]
      .filter(g => g.addresses.length || g.notReadyAddresses.length)
      .map(g => ({
        ...(g.addresses.length ? { addresses: g.addresses } : {}),
        ...(g.notReadyAddresses.length
          ? { notReadyAddresses: g.notReadyAddresses }
          : {}),
        ports: g.ports,
      }));
    const labels = { ...(svc.metadata.labels ?? {}) };
    const existing = c.store.peek('endpoints', ns, name)?.obj;
    if (!existing) {
      c.api.create(epType, ns, {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name, labels },
        ...(subsets.length ? { subsets } : {}),
      });
    } else if (
      canonicalJson(existing.subsets ?? []) !== canonicalJson(subsets) ||
      canonicalJson(existing.metadata.labels ?? {}) !== canonicalJson(labels)
    ) {
      c.api.update(epType, ns, name, o => {
        if (subsets.length) o.subsets = subsets;
        else delete o.subsets;
        o.metadata.labels = labels;
        o.metadata.annotations = {
          ...(o.metadata.annotations ?? {}),
          'endpoints.kubernetes.io/last-change-trigger-time': new Date()
            .toISOString()
            .replace(/\.\d+Z$/, 'Z'),
        };
        return o;
      });
    }

    // One EndpointSlice per Service (the sandbox never needs more than 100 endpoints per slice).
    const slicePorts = ports.map(sp => {
      const first = pods[0];
      let port: number | undefined =
        typeof sp.targetPort === 'number' ? sp.targetPort : undefined;
      if (first) port = resolveTargetPort(sp, first);
      return {
        name: sp.name ?? '',
        port: port ?? null,
        protocol: sp.protocol ?? 'TCP',
      };
    });
    const endpoints = pods.map(p => {
      const terminating = !!p.metadata.deletionTimestamp;
      const ready = isPodReady(p);
      return {
        addresses: [p.status.podIP],
        conditions: {
          ready,
          serving:
            ready ||
            (terminating &&
              (p.status?.conditions ?? []).some(
                (x: any) => x.type === 'Ready' && x.status === 'True',
              )),
          terminating,
        },
        ...(p.spec?.nodeName ? { nodeName: p.spec.nodeName } : {}),
        targetRef: {
          kind: 'Pod',
          namespace: ns,
          name: p.metadata.name,
          uid: p.metadata.uid,
        },
      };
    });
    const body = { addressType: 'IPv4', endpoints, ports: slicePorts };
    const sliceLabels = {
      ...labels,
      [SERVICE_NAME_LABEL]: name,
      [MANAGED_BY]: SLICE_CONTROLLER,
    };
    const [slice, ...extra] = slices;
    for (const s of extra) c.api.delete(sliceType, ns, s.metadata.name);
    if (!slice) {
      c.api.create(sliceType, ns, {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          generateName: `${name}-`,
          labels: sliceLabels,
          ownerReferences: [ownerRef(svc)],
        },
        ...body,
      });
    } else if (
      canonicalJson({
        addressType: slice.addressType,
        endpoints: slice.endpoints ?? [],
        ports: slice.ports ?? [],
      }) !== canonicalJson(body)
    ) {
      c.api.update(sliceType, ns, slice.metadata.name, o => ({
        ...o,
        ...body,
        metadata: { ...o.metadata, labels: sliceLabels },
      }));
    }
  }
}
