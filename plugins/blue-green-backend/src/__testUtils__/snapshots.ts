import {
  BlueGreenTarget,
  Color,
  ColorStatus,
  PodSummary,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  StrategySnapshot,
  SwitchStrategy,
} from '@bluegreen-backstage/plugin-blue-green-node';

/** A service-selector target for `my-app` in `default`. */
export const TARGET: BlueGreenTarget = {
  strategy: 'service-selector',
  namespace: 'default',
  name: 'my-app',
  colorLabel: 'color',
  healthPath: '/health',
  service: 'my-app',
  deployments: { blue: 'my-app-blue', green: 'my-app-green' },
};

const pod = (name: string, ready: boolean): PodSummary => ({
  name,
  phase: 'Running',
  ready,
  restarts: 0,
  ...(ready ? {} : { waitingReason: 'ContainersNotReady' }),
});

/** A color with a Deployment of `desired` replicas, `ready` of them ready. */
export function color(
  name: Color,
  options: {
    role?: ColorStatus['role'];
    version?: string;
    desired?: number;
    ready?: number;
    weight?: number;
  } = {},
): ColorStatus {
  const desired = options.desired ?? 2;
  const ready = options.ready ?? desired;
  const role = options.role ?? 'idle';
  return {
    color: name,
    role,
    weight: options.weight ?? (role === 'live' ? 100 : 0),
    workload: { kind: 'Deployment', name: `my-app-${name}` },
    version: options.version ?? (name === 'blue' ? 'v1' : 'v2'),
    images: [`my-app:${options.version ?? (name === 'blue' ? 'v1' : 'v2')}`],
    replicas: { desired, ready, available: ready },
    pods: Array.from({ length: desired }, (_, i) =>
      pod(`my-app-${name}-${i}`, i < ready),
    ),
  };
}

/** What a strategy read: blue live by default, both colors ready. */
export function snapshot(
  overrides: Partial<StrategySnapshot> = {},
): StrategySnapshot {
  const live = overrides.live ?? 'blue';
  return {
    objects: {},
    live,
    colors: {
      blue: color('blue', { role: live === 'blue' ? 'live' : 'idle' }),
      green: color('green', { role: live === 'green' ? 'live' : 'idle' }),
    },
    details: { strategy: 'service-selector', service: 'my-app', selector: {} },
    facts: [],
    problems: [],
    raw: { templates: {}, pods: { blue: [], green: [] } },
    state: {},
    ...overrides,
  };
}

/** A strategy that only decides: no cluster behind it. */
export function deciding(
  overrides: Partial<SwitchStrategy> = {},
): SwitchStrategy {
  return {
    name: 'service-selector',
    capabilities: {
      steppedShift: false,
      fullPromote: false,
      previewRoute: false,
      mirror: false,
      scale: true,
      managesScaleDown: false,
      rollbackNeedsReadyTarget: true,
    },
    fleetLists: [],
    switchedObject: () => {
      throw new Error('not in unit tests');
    },
    liveService: () => 'my-app',
    metricGroup: () => ({ label: 'color', colorOf: () => undefined }),
    read: async () => snapshot(),
    refusals: () => [],
    switchTo: async () => undefined,
    verify: async () => ({ verified: true, message: 'ok' }),
    ...overrides,
  };
}
