import {
  BlueGreenStrategy,
  BlueGreenTarget,
  Color,
  ColorStatus,
  StrategyDetails,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  KubeClient,
  KubeObject,
} from '@bluegreen-backstage/plugin-blue-green-node';

/**
 * What one strategy reads of the cluster, and what that says about the entity.
 * Built once per request; every decision is a pure function of it.
 */
export type StrategySnapshot<TObjects = unknown> = {
  /** The raw objects, kept for the write (compare-and-swap needs what was read). */
  objects: TObjects;
  live: Color | 'split' | 'none';
  colors: Record<Color, ColorStatus>;
  details: StrategyDetails;
  problems: string[];
  /** Each color's pod template and pods, as read (for diagnostics and checks). */
  raw: {
    templates: Partial<Record<Color, any>>;
    pods: Record<Color, KubeObject[]>;
    /** The switched Service, when the strategy read it (service-selector). */
    service?: KubeObject;
  };
  /** The switch id the switched object carries (strategies that mark their writes). */
  switchId?: string;
  /**
   * Strategy facts that decide what promote and rollback can do (e.g. "a new revision is paused at
   * BlueGreenPause"); part of the revision token.
   */
  state: Record<string, unknown>;
};

/** How a switch moves traffic, chosen by the caller. */
export type SwitchPlan = {
  action: 'promote' | 'rollback' | 'auto-rollback';
  from: Color | 'split' | 'none';
  to: Color;
  /** Istio: shares of the target color, ending with 100. */
  steps?: number[];
  stepIntervalMs?: number;
  /** Argo Rollouts: promote --full. */
  full?: boolean;
  /** Written with the switch on the switched object (see SWITCH_ID_ANNOTATION). */
  switchId?: string;
  /** Called between steps; a rejection stops the shift. */
  beforeStep?: (step: number, weight: number) => Promise<void>;
};

/**
 * One request a switch sent to the cluster — the audit trail of the write — and the
 * resourceVersion the object had after it, which orders switches as the cluster applied them.
 */
export type SentRequest = {
  description: string;
  patch: unknown;
  resourceVersion?: string;
};

/** What a write did, for the history entry. */
export type SwitchWrite = { requests: SentRequest[] };

/** Whether the cluster shows the switch took effect. */
export type Verification = { verified: boolean; message: string };

/**
 * A way of switching traffic between colors. Each strategy lives in one file and is registered in
 * `./index.ts`; adding a fourth (say, an ALB target group) touches one new file and one line there.
 */
export interface SwitchStrategyHandler<TObjects = any> {
  readonly strategy: BlueGreenStrategy;
  /**
   * Whether `switchTo` writes the plan's switch id on the switched object and `read` gives it back,
   * so that a landed write can be told from a concurrent one after an error.
   */
  readonly marksSwitches?: boolean;

  /** Reads every object the strategy needs, in parallel where it can. */
  read(
    kube: KubeClient,
    target: BlueGreenTarget,
  ): Promise<StrategySnapshot<TObjects>>;

  /** Refusals specific to the strategy (e.g. Argo: no revision waiting to be promoted). */
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
   * A strategy whose write is the whole switch (service-selector: one selector patch) returns the
   * snapshot the write leaves, built from the cluster's answer, so the engine need not read the
   * cluster again once the switch is verified. Strategies whose controllers move other objects
   * after the write (Argo Rollouts) or that write in steps (Istio) return nothing and are re-read.
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
   * have nothing to restore and leave it out.
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

  /** Istio: adds or removes the header route (`x-canary: true`) to the idle color. */
  setPreviewRoute?(
    kube: KubeClient,
    target: BlueGreenTarget,
    snapshot: StrategySnapshot<TObjects>,
    enabled: boolean,
  ): Promise<SwitchWrite>;

  /** Istio: mirrors a share of live traffic to the idle color, or stops mirroring. */
  setMirror?(
    kube: KubeClient,
    target: BlueGreenTarget,
    snapshot: StrategySnapshot<TObjects>,
    mirror: { enabled: boolean; percent: number },
  ): Promise<SwitchWrite>;

  /** Sets the replica count of one color. */
  scale(
    kube: KubeClient,
    target: BlueGreenTarget,
    snapshot: StrategySnapshot<TObjects>,
    color: Color,
    replicas: number,
  ): Promise<SwitchWrite>;
}
