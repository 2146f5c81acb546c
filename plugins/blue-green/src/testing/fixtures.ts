import { Entity } from '@backstage/catalog-model';
import {
  Checklist,
  ColorStatus,
  EntityStatus,
  FleetResponse,
  FleetRow,
  HistoryEntry,
  MetricsResponse,
  StrategyCapabilities,
  WatchStatus,
} from '@bluegreen-backstage/plugin-blue-green-common';

/** Test data shaped like the seeds' my-app (service-selector, blue live, green idle). */

export const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'my-app',
    namespace: 'default',
    annotations: {
      'blue-green.backstage.io/strategy': 'service-selector',
      'backstage.io/kubernetes-id': 'my-app',
    },
  },
  spec: { type: 'service', owner: 'team-checkout', lifecycle: 'production' },
};

const pods = (color: string, ready: number, total: number) =>
  Array.from({ length: total }, (_, i) => ({
    name: `my-app-${color}-6d4cf56db6-${i}`,
    phase: 'Running',
    ready: i < ready,
    restarts: 0,
    ...(i >= ready && { waitingReason: 'ImagePullBackOff' }),
  }));

export function colorStatus(
  color: 'blue' | 'green',
  options: Partial<ColorStatus> & { readyPods?: number } = {},
): ColorStatus {
  const live = options.role === 'live';
  const readyPods = options.readyPods ?? 3;
  return {
    color,
    role: live ? 'live' : 'idle',
    weight: live ? 100 : 0,
    workload: { kind: 'Deployment', name: `my-app-${color}` },
    version: color === 'blue' ? 'v1.0.0' : 'v1.1.0',
    images: [`my-app:${color === 'blue' ? 'v1.0.0' : 'v1.1.0'}`],
    replicas: { desired: 3, ready: readyPods, available: readyPods },
    pods: pods(color, readyPods, 3),
    ...options,
  };
}

/** What the built-in service-selector strategy can do. */
export const SERVICE_SELECTOR_CAPABILITIES: StrategyCapabilities = {
  steppedShift: false,
  fullPromote: false,
  previewRoute: false,
  mirror: false,
  scale: true,
  managesScaleDown: false,
  rollbackNeedsReadyTarget: true,
  deploy: true,
};

/** What the built-in Istio strategy can do. */
export const ISTIO_CAPABILITIES: StrategyCapabilities = {
  ...SERVICE_SELECTOR_CAPABILITIES,
  steppedShift: true,
  previewRoute: true,
  mirror: true,
};

export function status(overrides: Partial<EntityStatus> = {}): EntityStatus {
  return {
    entityRef: 'component:default/my-app',
    strategy: 'service-selector',
    cluster: 'sandbox',
    namespace: 'default',
    live: 'blue',
    colors: {
      blue: colorStatus('blue', { role: 'live' }),
      green: colorStatus('green'),
    },
    capabilities: SERVICE_SELECTOR_CAPABILITIES,
    facts: [
      { label: 'service', value: 'my-app' },
      { label: 'selector', value: 'app=my-app, color=blue' },
    ],
    details: {
      strategy: 'service-selector',
      service: 'my-app',
      selector: { app: 'my-app', color: 'blue' },
    },
    promote: { allowed: true, target: 'green', reasons: [], forceable: false },
    rollback: {
      allowed: true,
      target: 'green',
      reasons: [],
      forceable: false,
    },
    deploy: { allowed: true, target: 'green', reasons: [], forceable: false },
    revision: 'rev-1',
    problems: [],
    ...overrides,
  };
}

/** After a promote to green: green live, blue idle, the watch running. */
export function promotedStatus(running?: WatchStatus): EntityStatus {
  return status({
    live: 'green',
    colors: {
      blue: colorStatus('blue'),
      green: colorStatus('green', { role: 'live' }),
    },
    details: {
      strategy: 'service-selector',
      service: 'my-app',
      selector: { app: 'my-app', color: 'green' },
    },
    promote: { allowed: true, target: 'blue', reasons: [], forceable: false },
    rollback: { allowed: true, target: 'blue', reasons: [], forceable: false },
    deploy: {
      allowed: false,
      target: 'blue',
      reasons: [
        'blue is the way back while the post-promote watch of green runs',
      ],
      forceable: true,
    },
    revision: 'rev-2',
    watch: running,
  });
}

export function watch(overrides: Partial<WatchStatus> = {}): WatchStatus {
  const now = Date.now();
  return {
    id: 'w1',
    state: 'running',
    promotedTo: 'green',
    previous: 'blue',
    startedAt: new Date(now - 60_000).toISOString(),
    endsAt: new Date(now + 240_000).toISOString(),
    autoRollback: true,
    criteria: [
      {
        id: 'error-rate',
        title: '5xx rate above 1 % for 5 minutes',
        action: 'rollback',
        status: 'pass',
        observed: '0.02 %',
        threshold: '> 1 %',
        firing: false,
      },
      {
        id: 'p99',
        title: 'P99 latency above 2× the previous color',
        action: 'investigate',
        status: 'pass',
        observed: '41 ms',
        threshold: '> 2 × 38 ms',
        firing: false,
      },
    ],
    lastEvaluatedAt: new Date(now - 2000).toISOString(),
    ...overrides,
  };
}

export function checklist(overrides: Partial<Checklist> = {}): Checklist {
  return {
    phase: 'pre',
    color: 'green',
    version: 'v1.1.0',
    status: 'pass',
    evaluatedAt: new Date().toISOString(),
    warnings: [],
    items: [
      {
        id: 'pods-ready',
        category: 'infrastructure',
        title: 'All green pods Running & Ready',
        kind: 'auto',
        required: true,
        status: 'pass',
        observed: '3/3 ready',
        threshold: '3/3',
        evidence: { type: 'kubernetes', detail: 'Deployment my-app-green' },
      },
      {
        id: 'cpu',
        category: 'infrastructure',
        title: 'CPU below 80 % of limits',
        kind: 'auto',
        required: true,
        status: 'pass',
        observed: '12 %',
        threshold: '< 80 %',
        evidence: {
          type: 'promql',
          query: 'sum(rate(container_cpu_usage_seconds_total[1m]))',
        },
      },
      {
        id: 'smoke-test',
        category: 'application',
        title: 'Smoke test passed',
        kind: 'manual',
        required: true,
        status: 'pass',
        signOff: {
          by: 'user:default/guest',
          at: new Date(Date.now() - 120_000).toISOString(),
          note: 'run 42 green',
        },
      },
    ],
    ...overrides,
  };
}

/** The checklist with its manual smoke test not signed off yet. */
export function checklistAwaitingSignOff(
  overrides: Partial<Checklist> = {},
): Checklist {
  return checklist({
    items: checklist().items.map(i =>
      i.id === 'smoke-test'
        ? { ...i, status: 'pending', signOff: undefined }
        : i,
    ),
    ...overrides,
  });
}

export function history(items: Partial<HistoryEntry>[] = []): HistoryEntry[] {
  return items.map((item, i) => ({
    id: `h${i}`,
    entityRef: 'component:default/my-app',
    action: 'promote',
    from: 'blue',
    to: 'green',
    actor: 'user:default/guest',
    forced: false,
    outcome: 'succeeded',
    createdAt: new Date(Date.now() - i * 60_000).toISOString(),
    ...item,
  }));
}

export const metrics: MetricsResponse = {
  start: new Date(Date.now() - 1_800_000).toISOString(),
  end: new Date().toISOString(),
  stepSeconds: 15,
  series: [],
  queries: { rps: 'rps', errorRatio: 'err', p99: 'p99' },
  warnings: [],
};

/** A fleet row shaped like the seeds' services (blue live, green idle with a new version). */
export function fleetRow(overrides: Partial<FleetRow> = {}): FleetRow {
  const name = overrides.name ?? 'my-app';
  return {
    key: `component:default/${name}@sandbox`,
    entityRef: `component:default/${name}`,
    kind: 'Component',
    entityNamespace: 'default',
    name,
    owners: ['group:default/team-checkout'],
    strategy: 'service-selector',
    cluster: 'sandbox',
    namespace: 'default',
    live: 'blue',
    colors: {
      blue: {
        role: 'live',
        weight: 100,
        version: 'v1.0.0',
        replicas: { desired: 3, ready: 3 },
      },
      green: {
        role: 'idle',
        weight: 0,
        version: 'v1.1.0',
        replicas: { desired: 3, ready: 3 },
      },
    },
    idle: {
      color: 'green',
      replicas: 3,
      cpuCores: 0.75,
      memoryBytes: 3 * 256 * 2 ** 20,
    },
    promotable: true,
    status: 'waiting',
    problems: [],
    scaleDown: { allowed: true },
    ...overrides,
  };
}

export function fleet(overrides: Partial<FleetResponse> = {}): FleetResponse {
  return {
    rows: [
      fleetRow({
        lastSwitch: {
          action: 'rollback',
          actor: 'user:default/alice',
          from: 'green',
          to: 'blue',
          outcome: 'succeeded',
          createdAt: new Date(Date.now() - 3_600_000).toISOString(),
        },
        preDeploy: 'pass',
      }),
      fleetRow({
        name: 'my-app-mesh',
        strategy: 'istio',
        owners: ['group:default/team-payments'],
        namespace: 'istio-demo',
        live: 'green',
        idle: {
          color: 'blue',
          replicas: 2,
          cpuCores: 0.5,
          memoryBytes: 2 * 2 ** 30,
        },
        status: 'watching',
        scaleDown: {
          allowed: false,
          outcome: 'denied',
          reason:
            'you may not scale component:default/my-app-mesh (permission blue-green.scale); its owners may: team-payments',
        },
        watch: {
          state: 'running',
          promotedTo: 'green',
          previous: 'blue',
          startedAt: new Date(Date.now() - 60_000).toISOString(),
          endsAt: new Date(Date.now() + 240_000).toISOString(),
          autoRollback: true,
        },
        firing: [],
      }),
      fleetRow({
        name: 'shop',
        cluster: 'east',
        key: 'component:default/shop@east',
        owners: ['group:default/team-payments'],
        live: 'unknown',
        colors: undefined,
        idle: undefined,
        promotable: false,
        status: 'unavailable',
        problems: ['cluster east is unavailable: connect ECONNREFUSED'],
        scaleDown: {
          allowed: false,
          outcome: 'skipped',
          reason: 'cluster east is unavailable',
        },
      }),
    ],
    clusters: [
      { name: 'sandbox', status: 'ok', readAt: new Date().toISOString() },
      {
        name: 'east',
        status: 'unavailable',
        error: 'cluster east is unreachable: connect ECONNREFUSED',
      },
    ],
    partial: true,
    warnings: [],
    generatedAt: new Date().toISOString(),
    ...overrides,
  };
}
