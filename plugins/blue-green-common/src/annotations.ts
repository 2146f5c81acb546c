import type { Entity } from '@backstage/catalog-model';

/**
 * Annotations read by the Blue/Green plugins.
 *
 * The Kubernetes plugin's own annotations (`backstage.io/kubernetes-*`) locate the workloads; the
 * `blue-green.backstage.io/*` annotations say how colors are switched. Every name has a default taken
 * from the usual conventions (`<id>-blue` / `<id>-green` Deployments behind Service `<id>`, color
 * label `color`), so the strategy annotation alone is enough for a service named that way.
 *
 * @public
 */
export const BLUE_GREEN_ANNOTATIONS = {
  /** Marks the entity as blue/green: `service-selector`, `argo-rollouts`, `istio`, or a strategy a backend module added. */
  strategy: 'blue-green.backstage.io/strategy',
  /** Service whose traffic is switched (service-selector, istio). Default: the workload name. */
  service: 'blue-green.backstage.io/service',
  /** Service that reaches the idle color before a switch. */
  previewService: 'blue-green.backstage.io/preview-service',
  /** Pod label that carries the color. Default `color`. */
  colorLabel: 'blue-green.backstage.io/color-label',
  /** Deployment of the blue color. Default `<name>-blue`. */
  blueDeployment: 'blue-green.backstage.io/blue-deployment',
  /** Deployment of the green color. Default `<name>-green`. */
  greenDeployment: 'blue-green.backstage.io/green-deployment',
  /** Argo Rollouts Rollout name. Default: the workload name. */
  rollout: 'blue-green.backstage.io/rollout',
  /** Istio VirtualService name. Default: the workload name. */
  virtualService: 'blue-green.backstage.io/virtual-service',
  /** Istio DestinationRule name. Default: the workload name. */
  destinationRule: 'blue-green.backstage.io/destination-rule',
  /** HTTP path answered by a healthy pod. Default `/health`. */
  healthPath: 'blue-green.backstage.io/health-path',
  /**
   * Seconds after a promote at which the idle (previous) color is scaled down, like Argo's
   * scaleDownDelaySeconds; `off` disables it. Default from `blueGreen.scaleDown` config (off).
   */
  scaleDownDelaySeconds: 'blue-green.backstage.io/scale-down-delay-seconds',
  /** `true` or `false`: whether the post-promote watch rolls back by itself. Default: config. */
  autoRollback: 'blue-green.backstage.io/auto-rollback',
  /**
   * Threshold overrides, `key=value` pairs separated by commas, e.g.
   * `errorRatio=0.002,p99Factor=1.5` (keys of `blueGreen.checks.thresholds`).
   */
  thresholds: 'blue-green.backstage.io/thresholds',
  /**
   * Rollback criteria overrides, `<criterion>.<field>=<value>` pairs separated by commas, e.g.
   * `error-rate.for=2m,cpu.action=rollback,restart-loop.window=10m` (fields: action = rollback,
   * investigate or off; for and window = durations such as 30s or 5m).
   */
  rollbackCriteria: 'blue-green.backstage.io/rollback-criteria',
  /**
   * Custom checks of `blueGreen.checks.custom` that apply to this entity, comma-separated, each
   * optionally with its own bounds: `payment-success, payment-success.min=0.995`.
   */
  customChecks: 'blue-green.backstage.io/custom-checks',
  /** Dependencies the pre-deploy checklist probes: comma-separated URLs or host:port. */
  dependencies: 'blue-green.backstage.io/dependencies',
  /** SLO overrides, e.g. `availability=0.995,latency=0.9,latencyMs=300`. */
  slo: 'blue-green.backstage.io/slo',
  /** Checklist item ids to leave out for this entity, comma-separated. */
  skipChecks: 'blue-green.backstage.io/skip-checks',
} as const;

/**
 * Annotations the Blue/Green plugins read on cluster objects (not on catalog entities).
 *
 * @public
 */
export const BLUE_GREEN_OBJECT_ANNOTATIONS = {
  /**
   * The catalog entity an object belongs to, e.g. `component:default/my-app`. The plugins change
   * a Service, Deployment, Rollout or VirtualService only for the entity it names: whoever may
   * write the object in the cluster decides which entity may switch it, not whoever writes the
   * entity's catalog-info.yaml. The scaffolder template sets it; for an existing service,
   * `kubectl annotate`.
   */
  entity: 'blue-green.backstage.io/entity',
} as const;

/**
 * The Kubernetes plugin's annotations, reused so that one entity describes both tabs.
 *
 * @public
 */
export const KUBERNETES_ANNOTATIONS = {
  id: 'backstage.io/kubernetes-id',
  namespace: 'backstage.io/kubernetes-namespace',
  cluster: 'backstage.io/kubernetes-cluster',
  labelSelector: 'backstage.io/kubernetes-label-selector',
} as const;

/**
 * The switch mechanisms the backend plugin ships with. Backend modules can add more (see
 * `blueGreenStrategiesExtensionPoint` in `@bluegreen-backstage/plugin-blue-green-node`).
 *
 * @public
 */
export const BLUE_GREEN_STRATEGIES = [
  'service-selector',
  'argo-rollouts',
  'istio',
] as const;

/** @public */
export type BlueGreenStrategy = (typeof BLUE_GREEN_STRATEGIES)[number];

/**
 * The value of the strategy annotation: a built-in strategy, or one a backend module added.
 *
 * @public
 */
export type StrategyName = BlueGreenStrategy | (string & {});

/** @public */
export function isBlueGreenStrategy(
  value: unknown,
): value is BlueGreenStrategy {
  return (
    typeof value === 'string' &&
    (BLUE_GREEN_STRATEGIES as readonly string[]).includes(value)
  );
}

/**
 * True when the entity carries the strategy annotation, i.e. the Blue/Green tab applies to it.
 *
 * @public
 */
export function isBlueGreenEntity(entity: Entity): boolean {
  return Boolean(
    entity.metadata.annotations?.[BLUE_GREEN_ANNOTATIONS.strategy],
  );
}
