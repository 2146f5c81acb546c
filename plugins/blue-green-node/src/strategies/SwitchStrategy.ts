import type {
  BlueGreenTarget,
  ChecklistItem,
  Color,
  ColorStatus,
  StrategyCapabilities,
  StrategyDetails,
  StrategyFact,
  TrafficControls,
} from '@bluegreen-backstage/plugin-blue-green-common';
import type { KubeClient, KubeObject } from '../kubernetes/KubeClient';
import type { KubeResource } from '../kubernetes/resources';

/**
 * What one strategy read of the cluster, and what that says about the entity. Read once per
 * request; every decision is a pure function of it.
 *
 * @public
 */
export type StrategySnapshot<TObjects = unknown> = {
  /** The raw objects, kept for the write (compare-and-swap needs what was read). */
  objects: TObjects;
  live: Color | 'split' | 'none';
  colors: Record<Color, ColorStatus>;
  /**
   * Facts shown next to the colors. The built-in strategies send their own shape; a strategy
   * added by a module sends `{ strategy: <its name>, … }` and describes itself through `facts`.
   */
  details: StrategyDetails | { strategy: string; [key: string]: unknown };
  /** How the traffic is switched, as label/value pairs for the entity tab. */
  facts: StrategyFact[];
  /** The idle color's header route and mirror, for strategies that have them. */
  trafficControls?: TrafficControls;
  problems: string[];
  /** Each color's pod template and pods, as read (for diagnostics and checks). */
  raw: {
    templates: Partial<Record<Color, any>>;
    pods: Record<Color, KubeObject[]>;
    /** The switched Service, when the strategy read it. */
    service?: KubeObject;
  };
  /** The switch id the switched object carries (strategies that mark their writes). */
  switchId?: string;
  /**
   * The switched object's place in its history: its `metadata.generation`, else its
   * `resourceVersion`. Part of the revision token, so a token taken before the object was written
   * — by the plugin or by anyone — is refused after it, even when the write was later undone.
   */
  objectVersion?: string;
  /**
   * Strategy facts that decide what promote and rollback can do (e.g. "a new revision is paused at
   * BlueGreenPause"); part of the revision token.
   */
  state: Record<string, unknown>;
};

/**
 * How a switch moves traffic, chosen by the caller.
 *
 * @public
 */
export type SwitchPlan = {
  action: 'promote' | 'rollback' | 'auto-rollback';
  from: Color | 'split' | 'none';
  to: Color;
  /** Stepped shift: shares of the target color, ending with 100. */
  steps?: number[];
  stepIntervalMs?: number;
  /** Skip the strategy's remaining pauses and analysis. */
  full?: boolean;
  /** Written with the switch on the switched object, so a landed write can be told apart. */
  switchId?: string;
  /**
   * Called before each step after the first, with its index and share: it waits the pause between
   * steps (`stepIntervalMs`; a strategy sleeps only without it) while the previous step is analysed.
   * A rejection stops the shift; the plugin then puts traffic back where it was (`restore`).
   */
  beforeStep?: (step: number, weight: number) => Promise<void>;
};

/**
 * One request a switch sent to the cluster — the audit trail of the write — and the
 * resourceVersion the object had after it, which orders switches as the cluster applied them.
 *
 * @public
 */
export type SentRequest = {
  description: string;
  patch: unknown;
  resourceVersion?: string;
};

/**
 * What a write did, for the history entry.
 *
 * @public
 */
export type SwitchWrite = { requests: SentRequest[] };

/**
 * Whether the cluster shows the switch took effect.
 *
 * @public
 */
export type Verification = { verified: boolean; message: string };

/**
 * A new image for one color, as `POST …/deploy` asks for it.
 *
 * @public
 */
export type DeployChange = {
  /** The idle color. */
  color: Color;
  image: string;
  /** The container to set the image on (resolved: always one of the pod template's). */
  container: string;
  /** The version: set as the pod template's `version` label where it has one. */
  version?: string;
};

/**
 * A cluster-wide list the fleet makes so that `read` can run on its result.
 *
 * @public
 */
export type FleetListCall = { resource: KubeResource; labelSelector?: string };

/**
 * A cluster object that makes up an entity, as a strategy read it (`object` is absent when it
 * does not exist).
 *
 * @public
 */
export type EntityObject = {
  kind: string;
  namespace: string;
  name: string;
  object?: KubeObject;
};

/**
 * How an entity's metric series tell the colors apart: the pod label that differs between them
 * and which color each of its values stands for.
 *
 * @public
 */
export type MetricGroup = {
  /** A Kubernetes pod label key, e.g. `color` (Prometheus sees it sanitized: `color`). */
  label: string;
  colorOf(value: string): Color | undefined;
};

/**
 * A way of switching traffic between colors, selected by the value of the strategy annotation.
 * The backend plugin ships `service-selector`, `argo-rollouts` and `istio`; a backend module adds
 * another through `blueGreenStrategiesExtensionPoint`. Everything strategy-specific is reached
 * through this interface: the plugin never branches on a strategy's name.
 *
 * @public
 */
export interface SwitchStrategy<TObjects = any> {
  /** The value of `blue-green.backstage.io/strategy` that selects it. */
  readonly name: string;
  /** What it supports; sent to clients in the entity status. */
  readonly capabilities: StrategyCapabilities;
  /**
   * Whether `switchTo` writes the plan's switch id on the switched object and `read` gives it back,
   * so that a landed write can be told from a concurrent one after an error.
   */
  readonly marksSwitches?: boolean;
  /** What the fleet lists, cluster-wide, for `read` to find every object it looks up (pods never). */
  readonly fleetLists: FleetListCall[];

  /** The object a switch changes: the fleet finds an unannotated entity's cluster by it. */
  switchedObject(target: BlueGreenTarget): {
    resource: KubeResource;
    namespace: string;
    name: string;
  };

  /**
   * The objects that make up the entity, as `read` found them: the switched object and the
   * workloads. The plugin changes none of them unless each names the entity in its
   * `blue-green.backstage.io/entity` annotation. A strategy that leaves this out has only its
   * switched object checked, read for the purpose.
   */
  entityObjects?(
    target: BlueGreenTarget,
    snapshot: StrategySnapshot<TObjects>,
  ): EntityObject[];

  /** The Service that carries the live traffic (the fleet's traffic column). */
  liveService(
    target: BlueGreenTarget,
    snapshot: StrategySnapshot<TObjects>,
  ): string;

  /** How the entity's metric series tell the colors apart. */
  metricGroup(
    target: BlueGreenTarget,
    snapshot: StrategySnapshot<TObjects>,
  ): MetricGroup;

  /** Reads every object the strategy needs, in parallel where it can. */
  read(
    kube: KubeClient,
    target: BlueGreenTarget,
  ): Promise<StrategySnapshot<TObjects>>;

  /**
   * The color the strategy's own record says was live before the live one, when it keeps one
   * (Argo Rollouts: the stable ReplicaSet while the new revision, already live, is not stable
   * yet). Rollback goes back to it without a switch in the plugin's history.
   */
  previousLive?(snapshot: StrategySnapshot<TObjects>): Color | undefined;

  /** Refusals specific to the strategy (e.g. no new revision waiting to be promoted). */
  refusals(
    snapshot: StrategySnapshot<TObjects>,
    action: SwitchPlan['action'],
    to: Color,
  ): string[];

  /**
   * Writes the switch as a compare-and-swap on the state the snapshot shows: a concurrent change
   * makes the cluster refuse it (ConflictError), never a lost update. Every request that reached
   * the cluster is pushed to `sent` as it goes, so a failure half-way says what was written.
   *
   * A strategy whose write is the whole switch returns the snapshot the write leaves, built from
   * the cluster's answer, so the plugin need not read the cluster again once the switch is
   * verified. Strategies whose controllers move other objects after the write, or that write in
   * steps, return nothing and are read again.
   */
  switchTo(
    kube: KubeClient,
    target: BlueGreenTarget,
    snapshot: StrategySnapshot<TObjects>,
    plan: SwitchPlan,
    sent: SentRequest[],
  ): Promise<StrategySnapshot<TObjects> | void>;

  /**
   * Puts traffic back where `before` had it after a switch stopped half-way (a stepped shift whose
   * later step failed), as a compare-and-swap on `now`. Strategies that switch in one request
   * leave it out.
   */
  restore?(
    kube: KubeClient,
    target: BlueGreenTarget,
    before: StrategySnapshot<TObjects>,
    now: StrategySnapshot<TObjects>,
    sent: SentRequest[],
  ): Promise<void>;

  /**
   * Polls the cluster until the target color takes the traffic, or the timeout passes. `snapshot`
   * is what the switch was decided on.
   */
  verify(
    kube: KubeClient,
    target: BlueGreenTarget,
    snapshot: StrategySnapshot<TObjects>,
    to: Color,
    timeoutMs: number,
  ): Promise<Verification>;

  /** Sets the replica count of one color (capability `scale`). */
  scale?(
    kube: KubeClient,
    target: BlueGreenTarget,
    snapshot: StrategySnapshot<TObjects>,
    color: Color,
    replicas: number,
  ): Promise<SwitchWrite>;

  /**
   * Why a new version may not be deployed to `color` (the idle color) now, e.g. "the new
   * revision is being promoted". Capability `deploy`.
   */
  deployRefusals?(snapshot: StrategySnapshot<TObjects>, color: Color): string[];

  /**
   * Puts a new image on the idle color's pod template (capability `deploy`): what
   * `kubectl set image` or `kubectl argo rollouts set image` send, as a compare-and-swap on the
   * template the snapshot shows. Requests that reached the cluster are pushed to `sent` as they go.
   */
  deploy?(
    kube: KubeClient,
    target: BlueGreenTarget,
    snapshot: StrategySnapshot<TObjects>,
    change: DeployChange,
    sent: SentRequest[],
  ): Promise<void>;

  /** Adds or removes the header route to the idle color (capability `previewRoute`). */
  setPreviewRoute?(
    kube: KubeClient,
    target: BlueGreenTarget,
    snapshot: StrategySnapshot<TObjects>,
    enabled: boolean,
  ): Promise<SwitchWrite>;

  /** Mirrors a share of live traffic to the idle color, or stops (capability `mirror`). */
  setMirror?(
    kube: KubeClient,
    target: BlueGreenTarget,
    snapshot: StrategySnapshot<TObjects>,
    mirror: { enabled: boolean; percent: number },
  ): Promise<SwitchWrite>;

  /**
   * Checklist items from the strategy's own controller about a color (Argo Rollouts'
   * AnalysisRuns), read in the same round as the checklist's other evidence.
   */
  evidence?(
    kube: KubeClient,
    target: BlueGreenTarget,
    snapshot: StrategySnapshot<TObjects>,
    color: Color,
    phase: 'pre' | 'post',
  ): Promise<ChecklistItem[]>;
}
