/**
 * Server-side printing (meta.k8s.io/v1 Table) as kubectl requests it for `kubectl get`,
 * with the columns of kubernetes pkg/printers/internalversion and the CRDs' printer columns.
 */
import { ResourceType } from './resources';
import { KubeObject } from './store';

interface Column {
  name: string;
  type: string;
  format?: string;
  priority?: number;
  cell: (o: KubeObject) => string | number;
}

/** apimachinery duration.HumanDuration */
export function humanDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0
      ? `${Math.floor(hours / 24)}d`
      : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  return `${Math.floor(hours / 24 / 365)}y`;
}

function age(ts: string | undefined): string {
  if (!ts) return '<unknown>';
  return humanDuration(Date.now() - Date.parse(ts));
}

const nameCol: Column = {
  name: 'Name',
  type: 'string',
  format: 'name',
  cell: o => o.metadata.name,
};
const ageCol: Column = {
  name: 'Age',
  type: 'string',
  cell: o => age(o.metadata.creationTimestamp),
};

function mapString(m: Record<string, string> | undefined): string {
  if (!m || !Object.keys(m).length) return '<none>';
  return Object.keys(m)
    .sort()
    .map(k => `${k}=${m[k]}`)
    .join(',');
}

function labelSelectorString(sel: any): string {
  if (!sel) return '<none>';
  const parts: string[] = [];
  for (const k of Object.keys(sel.matchLabels ?? {}).sort())
    parts.push(`${k}=${sel.matchLabels[k]}`);
  for (const e of sel.matchExpressions ?? []) {
    parts.push(
      `${e.key} ${String(e.operator).toLowerCase()} (${(e.values ?? []).join(
        ',',
      )})`,
    );
  }
  return parts.length ? parts.join(',') : '<none>';
}

export function podStatusReason(pod: KubeObject): string {
  let reason: string = pod.status?.reason ?? pod.status?.phase ?? 'Unknown';
  const statuses: any[] = pod.status?.containerStatuses ?? [];
  let running = false;
  for (let i = statuses.length - 1; i >= 0; i--) {
    const c = statuses[i];
    if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
    else if (c.state?.terminated?.reason) reason = c.state.terminated.reason;
    else if (c.state?.terminated) {
      reason = c.state.terminated.signal
        ? `Signal:${c.state.terminated.signal}`
        : `ExitCode:${c.state.terminated.exitCode}`;
    } else if (c.ready && c.state?.running) running = true;
  }
  if (running && reason === 'Completed') reason = 'Running';
  if (pod.metadata.deletionTimestamp) reason = 'Terminating';
  return reason;
}

function podReady(pod: KubeObject): string {
  const statuses: any[] = pod.status?.containerStatuses ?? [];
  const total = pod.spec?.containers?.length ?? statuses.length;
  return `${statuses.filter(c => c.ready).length}/${total}`;
}

function podRestarts(pod: KubeObject): string {
  const statuses: any[] = pod.status?.containerStatuses ?? [];
  const restarts = statuses.reduce((n, c) => n + (c.restartCount ?? 0), 0);
  let last: number | undefined;
  for (const c of statuses) {
    const t = c.lastState?.terminated?.finishedAt;
    if (t) last = Math.max(last ?? 0, Date.parse(t));
  }
  return restarts && last
    ? `${restarts} (${humanDuration(Date.now() - last)} ago)`
    : String(restarts);
}

function servicePorts(svc: KubeObject): string {
  const ports: any[] = svc.spec?.ports ?? [];
  if (!ports.length) return '<none>';
  return ports
    .map(p =>
      p.nodePort
        ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}`
        : `${p.port}/${p.protocol ?? 'TCP'}`,
    )
    .join(',');
}

function externalIp(svc: KubeObject): string {
  const type = svc.spec?.type ?? 'ClusterIP';
  const ingress: any[] = svc.status?.loadBalancer?.ingress ?? [];
  const ips = [
    ...(svc.spec?.externalIPs ?? []),
    ...ingress.map(i => i.ip ?? i.hostname),
  ];
  if (type === 'ClusterIP' || type === 'NodePort')
    return ips.length ? ips.join(',') : '<none>';
  if (type === 'LoadBalancer') return ips.length ? ips.join(',') : '<pending>';
  if (type === 'ExternalName') return svc.spec?.externalName ?? '<none>';
  return '<unknown>';
}

function endpointsString(ep: KubeObject): string {
  const all: string[] = [];
  for (const s of ep.subsets ?? []) {
    for (const a of s.addresses ?? []) {
      const ports: any[] = s.ports ?? [];
      if (!ports.length) all.push(a.ip);
      for (const p of ports) all.push(`${a.ip}:${p.port}`);
    }
  }
  if (!all.length) return '<none>';
  if (all.length <= 3) return all.join(',');
  return `${all.slice(0, 3).join(',')} + ${all.length - 3} more...`;
}

function containers(o: KubeObject) {
  const cs: any[] = o.spec?.template?.spec?.containers ?? [];
  return {
    names: cs.map(c => c.name).join(','),
    images: cs.map(c => c.image).join(','),
  };
}

const n = (v: unknown) => (typeof v === 'number' ? v : 0);

const COLUMNS: Record<string, Column[]> = {
  Pod: [
    nameCol,
    { name: 'Ready', type: 'string', cell: podReady },
    { name: 'Status', type: 'string', cell: podStatusReason },
    { name: 'Restarts', type: 'string', cell: podRestarts },
    ageCol,
    {
      name: 'IP',
      type: 'string',
      priority: 1,
      cell: o => o.status?.podIP ?? '<none>',
    },
    {
      name: 'Node',
      type: 'string',
      priority: 1,
      cell: o => o.spec?.nodeName ?? '<none>',
    },
    {
      name: 'Nominated Node',
      type: 'string',
      priority: 1,
      cell: () => '<none>',
    },
    {
      name: 'Readiness Gates',
      type: 'string',
      priority: 1,
      cell: () => '<none>',
    },
  ],
  Service: [
    nameCol,
    { name: 'Type', type: 'string', cell: o => o.spec?.type ?? 'ClusterIP' },
    {
      name: 'Cluster-IP',
      type: 'string',
      cell: o => o.spec?.clusterIP ?? '<none>',
    },
    { name: 'External-IP', type: 'string', cell: externalIp },
    { name: 'Port(s)', type: 'string', cell: servicePorts },
    ageCol,
    {
      name: 'Selector',
      type: 'string',
      priority: 1,
      cell: o => mapString(o.spec?.selector),
    },
  ],
  Endpoints: [
    nameCol,
    { name: 'Endpoints', type: 'string', cell: endpointsString },
    ageCol,
  ],
  EndpointSlice: [
    nameCol,
    { name: 'AddressType', type: 'string', cell: o => o.addressType ?? '' },
    {
      name: 'Ports',
      type: 'string',
      cell: o => (o.ports ?? []).map((p: any) => p.port).join(',') || '<unset>',
    },
    {
      name: 'Endpoints',
      type: 'string',
      cell: o => {
        const a = (o.endpoints ?? []).flatMap((e: any) => e.addresses ?? []);
        if (!a.length) return '<unset>';
        return a.length <= 3
          ? a.join(',')
          : `${a.slice(0, 3).join(',')} + ${a.length - 3} more...`;
      },
    },
    ageCol,
  ],
  Deployment: [
    nameCol,
    {
      name: 'Ready',
      type: 'string',
      cell: o => `${n(o.status?.readyReplicas)}/${n(o.spec?.replicas)}`,
    },
    {
      name: 'Up-to-date',
      type: 'integer',
      cell: o => n(o.status?.updatedReplicas),
    },
    {
      name: 'Available',
      type: 'integer',
      cell: o => n(o.status?.availableReplicas),
    },
    ageCol,
    {
      name: 'Containers',
      type: 'string',
      priority: 1,
      cell: o => containers(o).names,
    },
    {
      name: 'Images',
      type: 'string',
      priority: 1,
      cell: o => containers(o).images,
    },
    {
      name: 'Selector',
      type: 'string',
      priority: 1,
      cell: o => labelSelectorString(o.spec?.selector),
    },
  ],
  ReplicaSet: [
    nameCol,
    { name: 'Desired', type: 'integer', cell: o => n(o.spec?.replicas) },
    { name: 'Current', type: 'integer', cell: o => n(o.status?.replicas) },
    { name: 'Ready', type: 'integer', cell: o => n(o.status?.readyReplicas) },
    ageCol,
    {
      name: 'Containers',
      type: 'string',
      priority: 1,
      cell: o => containers(o).names,
    },
    {
      name: 'Images',
      type: 'string',
      priority: 1,
      cell: o => containers(o).images,
    },
    {
      name: 'Selector',
      type: 'string',
      priority: 1,
      cell: o => labelSelectorString(o.spec?.selector),
    },
  ],
  Namespace: [
    nameCol,
    { name: 'Status', type: 'string', cell: o => o.status?.phase ?? 'Active' },
    ageCol,
  ],
  Node: [
    nameCol,
    { name: 'Status', type: 'string', cell: () => 'Ready' },
    { name: 'Roles', type: 'string', cell: () => 'control-plane' },
    ageCol,
    {
      name: 'Version',
      type: 'string',
      cell: o => o.status?.nodeInfo?.kubeletVersion ?? '',
    },
  ],
  ConfigMap: [
    nameCol,
    {
      name: 'Data',
      type: 'integer',
      cell: o =>
        Object.keys(o.data ?? {}).length +
        Object.keys(o.binaryData ?? {}).length,
    },
    ageCol,
  ],
  Event: [
    {
      name: 'Last Seen',
      type: 'string',
      cell: o =>
        age(o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp),
    },
    { name: 'Type', type: 'string', cell: o => o.type ?? '' },
    { name: 'Reason', type: 'string', cell: o => o.reason ?? '' },
    {
      name: 'Object',
      type: 'string',
      cell: o =>
        `${String(o.involvedObject?.kind ?? '').toLowerCase()}/${
          o.involvedObject?.name ?? ''
        }`,
    },
    {
      name: 'Message',
      type: 'string',
      cell: o => String(o.message ?? '').trim(),
    },
  ],
  Rollout: [
    nameCol,
    { name: 'Desired', type: 'integer', cell: o => n(o.spec?.replicas ?? 1) },
    { name: 'Current', type: 'integer', cell: o => n(o.status?.replicas) },
    {
      name: 'Up-to-date',
      type: 'integer',
      cell: o => n(o.status?.updatedReplicas),
    },
    {
      name: 'Available',
      type: 'integer',
      cell: o => n(o.status?.availableReplicas),
    },
    ageCol,
  ],
  AnalysisRun: [
    nameCol,
    { name: 'Status', type: 'string', cell: o => o.status?.phase ?? '' },
    ageCol,
  ],
  VirtualService: [
    nameCol,
    {
      name: 'Gateways',
      type: 'string',
      cell: o => JSON.stringify(o.spec?.gateways ?? []),
    },
    {
      name: 'Hosts',
      type: 'string',
      cell: o => JSON.stringify(o.spec?.hosts ?? []),
    },
    ageCol,
  ],
  DestinationRule: [
    nameCol,
    { name: 'Host', type: 'string', cell: o => o.spec?.host ?? '' },
    ageCol,
  ],
};

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function toTable(
  type: ResourceType,
  objects: KubeObject[],
  resourceVersion: string,
  include: IncludeObject = 'Metadata',
  listMeta: Record<string, unknown> = {},
) {
  const cols = COLUMNS[type.kind] ?? [nameCol, ageCol];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion, ...listMeta },
    columnDefinitions: cols.map(c => ({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description: c.name,
      priority: c.priority ?? 0,
    })),
    rows: objects.map(o => ({
      cells: cols.map(c => c.cell(o)),
      ...(include === 'None'
        ? {}
        : {
            object:
              include === 'Object'
                ? o
                : {
                    kind: 'PartialObjectMetadata',
                    apiVersion: 'meta.k8s.io/v1',
                    metadata: o.metadata,
                  },
          }),
    })),
  };
}
