import type { StrategyName } from './annotations';
import type { Color } from './colors';
import type { WatchStatus } from './checklist';
import type {
  StrategyCapabilities,
  StrategyFact,
  TrafficControls,
} from './strategy';

/**
 * Response of `GET /api/blue-green/health`.
 *
 * @public
 */
export type HealthResponse = { status: 'ok' };

/**
 * One pod of a color, as the tab and the diagnostics show it.
 *
 * @public
 */
export type PodSummary = {
  name: string;
  /** Pending, Running, Succeeded, Failed, Unknown. */
  phase: string;
  ready: boolean;
  restarts: number;
  /** Why a container waits (ImagePullBackOff, CrashLoopBackOff, ...). */
  waitingReason?: string;
  /** Why the last container run ended (OOMKilled, Error, ...). */
  lastTerminationReason?: string;
  ip?: string;
  startedAt?: string;
};

/**
 * One color of an entity: its workload, version and pods.
 *
 * @public
 */
export type ColorStatus = {
  color: Color;
  /** live = takes the production traffic; idle = takes none; split = takes a share (Istio, mid-shift). */
  role: 'live' | 'idle' | 'split';
  /** Share of production traffic in percent. */
  weight: number;
  /** The workload behind the color; absent when it does not exist in the cluster. */
  workload?: {
    kind: 'Deployment' | 'ReplicaSet';
    name: string;
    /** Argo Rollouts: the ReplicaSet's pod-template hash and revision. */
    podTemplateHash?: string;
    revision?: string;
  };
  /** The pod label `version`, else the first image's tag. */
  version?: string;
  images: string[];
  replicas: { desired: number; ready: number; available: number };
  pods: PodSummary[];
  /** Where to reach this color before it is live (a preview Service, or a header route). */
  preview?: { description: string; url?: string };
};

/**
 * Whether one action may run now, and if not, why.
 *
 * @public
 */
export type ActionDecision = {
  allowed: boolean;
  /** The color traffic would move to. */
  target?: Color;
  /** Reasons the action is refused; empty when allowed. */
  reasons: string[];
  /** True when every reason may be overridden with `force` (by someone holding the force permission). */
  forceable: boolean;
};

/**
 * Strategy-specific facts of the built-in strategies. A strategy added by a backend module sends
 * its own `strategy` name here with facts of its own; show `EntityStatus.facts` for those.
 *
 * @public
 */
export type StrategyDetails =
  | {
      strategy: 'service-selector';
      service: string;
      selector: Record<string, string>;
    }
  | {
      strategy: 'argo-rollouts';
      rollout: string;
      phase?: string;
      message?: string;
      paused: boolean;
      aborted: boolean;
      stableRS?: string;
      currentPodHash?: string;
      activeSelector?: string;
      previewSelector?: string;
      activeService: string;
      previewService?: string;
    }
  | {
      strategy: 'istio';
      virtualService: string;
      destinationRule: string;
      /** A header-match route (`x-canary: true`) sends matching requests to this color. */
      headerRoute?: { header: string; value: string; color: Color };
      mirror?: { color: Color; percent: number };
    };

/**
 * A version that was rolled back (by hand, by the post-promote watch, or by a failing step of a
 * stepped shift). Promoting it again needs a new version or `force`; its sign-offs were withdrawn.
 *
 * @public
 */
export type FailedVersion = {
  color: Color;
  version?: string;
  images: string[];
  /** Why: the rollback's reason, or the rollback criteria that fired. */
  reason: string;
  /** The history entry of the rollback that marked it. */
  historyId: string;
  /** Who rolled it back (a user, or the backend for an automatic rollback). */
  by: string;
  at: string;
};

/**
 * Response of `GET /api/blue-green/entities/:namespace/:kind/:name`.
 *
 * @public
 */
export type EntityStatus = {
  entityRef: string;
  strategy: StrategyName;
  /** What the strategy can do; offer actions from this, not from `strategy`. */
  capabilities: StrategyCapabilities;
  /** How the traffic is switched, as label/value pairs to show. */
  facts: StrategyFact[];
  /** The idle color's header route and mirror, for strategies that have them. */
  trafficControls?: TrafficControls;
  cluster: string;
  namespace: string;
  /** The color taking all traffic, `split` while Istio weights are shared, `none` when no color is selected. */
  live: Color | 'split' | 'none';
  colors: Record<Color, ColorStatus>;
  details: StrategyDetails;
  promote: ActionDecision;
  rollback: ActionDecision;
  /**
   * Whether a new version may be deployed now, and to which color (the idle one). Absent when
   * the strategy cannot deploy.
   */
  deploy?: ActionDecision;
  /** The idle color runs a version that was rolled back: show it at the top. */
  failedVersion?: FailedVersion;
  /** Names the live state; send it back with promote/rollback so a concurrent change yields 409. */
  revision: string;
  /** Things missing or wrong in the cluster (e.g. a Deployment that does not exist). */
  problems: string[];
  /** The switch running right now, if any. */
  inProgress?: HistoryEntry;
  /**
   * The idle color's scheduled scale-down after the last promote, if any. With `afterWatch`, it
   * waits for the post-promote watch to pass as well: the previous color stays the way back.
   */
  scaleDown?: {
    color: Color;
    replicas: number;
    at: string;
    afterWatch?: boolean;
  };
  /** The post-promote watch (rollback criteria), while it runs and after it ended. */
  watch?: WatchStatus;
  /**
   * Set when Blue/Green has no credentials of its own for the entity's cluster (the Kubernetes
   * plugin reaches it only with each user's token): the status is read as the user, promote and
   * rollback are refused, and this says what a platform team configures to allow them.
   */
  readOnly?: string;
};

/**
 * Body of `POST …/promote` and `POST …/rollback`.
 *
 * @public
 */
export type SwitchRequest = {
  /** The `revision` the decision was made on; the switch is refused with 409 if the live state changed. */
  revision?: string;
  reason?: string;
  /** Promote although checks fail (needs the force permission; recorded as forced). */
  force?: boolean;
  /** Istio: traffic shares of the target color to go through, e.g. [10, 50, 100]. */
  steps?: number[];
  /** Seconds to wait between steps (Istio). */
  stepIntervalSeconds?: number;
  /** Argo Rollouts: `promote --full` (skip remaining pauses and analysis). */
  full?: boolean;
};

/**
 * Body of `POST …/deploy`: a new image for the idle color, like `kubectl set image` (or
 * `kubectl argo rollouts set image`) on it.
 *
 * @public
 */
export type DeployRequest = {
  /** The image to run, e.g. `registry.example.com/my-app:1.2.0`. */
  image: string;
  /** The container to set it on; default: the pod's only (or first) container. */
  container?: string;
  /** The version it is, for the `version` pod label and the history; default: the image's tag. */
  version?: string;
  reason?: string;
  /** The `revision` the deploy was decided on; refused with 409 if the live state changed. */
  revision?: string;
  /** Deploy although the idle color is the way back of a running post-promote watch (needs force). */
  force?: boolean;
};

/**
 * Response of `POST …/deploy`.
 *
 * @public
 */
export type DeployResponse = {
  entry: HistoryEntry;
  status: EntityStatus;
};

/**
 * Body of `POST …/shift/cancel`: stops a stepped shift that is running; traffic returns to the
 * color it came from.
 *
 * @public
 */
export type CancelShiftRequest = { reason?: string };

/**
 * A promote, rollback, scale or sign-off, succeeded or not, as stored in the plugin's history.
 *
 * @public
 */
export type HistoryEntry = {
  id: string;
  entityRef: string;
  action:
    | 'promote'
    | 'rollback'
    | 'auto-rollback'
    | 'scale'
    | 'scale-down'
    | 'preview-route'
    | 'mirror'
    | 'sign-off'
    | 'sign-off-withdrawn'
    | 'deploy'
    | 'cancel-shift';
  from?: Color;
  to?: Color;
  actor: string;
  reason?: string;
  forced: boolean;
  outcome: 'in-progress' | 'succeeded' | 'failed' | 'refused' | 'interrupted';
  error?: string;
  /** Strategy, weights, verification, evidence, checklist snapshot. */
  details?: Record<string, unknown>;
  createdAt: string;
  finishedAt?: string;
};

/**
 * Response of `POST …/promote` and `POST …/rollback`.
 *
 * @public
 */
export type SwitchResponse = {
  entry: HistoryEntry;
  /** Whether traffic was seen on the target color after the write, and how. */
  verification: { verified: boolean; message: string };
  status: EntityStatus;
};

/**
 * Response of `GET …/history`.
 *
 * @public
 */
export type HistoryPage = {
  items: HistoryEntry[];
  total: number;
  /** Pass as `?before=` to get the next (older) page. */
  nextCursor?: string;
};

/**
 * Body of `POST …/scale`.
 *
 * @public
 */
export type ScaleRequest = {
  color: Color;
  replicas: number;
  reason?: string;
  /**
   * Scale the previous color down although a post-promote watch still runs and it is the way
   * back: the caller confirmed that automatic rollback will then have no ready color.
   */
  confirm?: boolean;
};

/**
 * A Kubernetes Event about a color's objects.
 *
 * @public
 */
export type EventSummary = {
  type: string;
  reason: string;
  message: string;
  object: string;
  count: number;
  lastSeen?: string;
};

/**
 * Response of `GET …/diagnostics`: why a color is not Ready, and how the colors differ.
 *
 * @public
 */
export type Diagnostics = {
  colors: Record<
    Color,
    {
      /** One line per pod that is not Ready, with the reason. */
      notReady: Array<{ pod: string; reason: string; message?: string }>;
      events: EventSummary[];
    }
  >;
  /** Differences between the two colors' pod templates (images, env, resources, probes). */
  templateDiff: Array<{ field: string; blue?: string; green?: string }>;
};
