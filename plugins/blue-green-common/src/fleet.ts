import type { StrategyName } from './annotations';
import type { HistoryEntry } from './api';
import type { Color } from './colors';
import type { CheckStatus, WatchStatus } from './checklist';

/**
 * What a fleet row needs attention for, most urgent first. Incidents (see
 * {@link FLEET_INCIDENTS}) come first:
 * - `failing`: a rollback criterion of the post-promote watch fires, or the live color has fewer
 *   ready replicas than desired;
 * - `rolled-back`: the last switch was an automatic rollback (until the next promote or rollback);
 * - `unavailable`: its cluster could not be read, so nothing is known;
 * - `checks-failing`: the idle color runs another version and its pre-deploy checks fail;
 *
 * then:
 * - `misconfigured`: a workload or the switched object is missing (see `problems`);
 * - `switching`: a promote, rollback or scale is running;
 * - `watching`: the post-promote watch runs;
 * - `waiting`: the idle color runs another version, is ready, and its pre-deploy checks pass
 *   (or the checks are not required for promote): ready to promote;
 * - `checks-pending`: the idle color runs another version whose pre-deploy checks do not pass yet
 *   (sign-offs missing, not evaluated yet) or that is not ready;
 * - `split`: Istio weights share the traffic (a stepped promote stopped half-way);
 * - `stable`: one color live, nothing waiting.
 *
 * @public
 */
export type FleetRowStatus =
  | 'failing'
  | 'rolled-back'
  | 'unavailable'
  | 'checks-failing'
  | 'misconfigured'
  | 'switching'
  | 'watching'
  | 'waiting'
  | 'checks-pending'
  | 'split'
  | 'stable';

/**
 * Every status, most urgent first: the fleet's default order.
 *
 * @public
 */
export const FLEET_ROW_STATUSES: readonly FleetRowStatus[] = [
  'failing',
  'rolled-back',
  'unavailable',
  'checks-failing',
  'misconfigured',
  'switching',
  'watching',
  'waiting',
  'checks-pending',
  'split',
  'stable',
];

/**
 * The statuses that are incidents: someone should look now.
 *
 * @public
 */
export const FLEET_INCIDENTS: readonly FleetRowStatus[] = [
  'failing',
  'rolled-back',
  'unavailable',
  'checks-failing',
];

/**
 * The signal channel on which the backend says that something the fleet shows has changed (a
 * switch, a scale, a watch's verdict); its messages name no entity.
 *
 * @public
 */
export const BLUE_GREEN_FLEET_CHANNEL = 'blue-green:fleet';

/**
 * One color of a fleet row: enough to compare the two, without pods.
 *
 * @public
 */
export type FleetColor = {
  role: 'live' | 'idle' | 'split';
  weight: number;
  version?: string;
  replicas: { desired: number; ready: number };
};

/**
 * What the idle color costs while it waits: its replicas and what they request.
 *
 * @public
 */
export type FleetIdleCost = {
  color: Color;
  replicas: number;
  /** Requested CPU of all idle replicas, in cores. */
  cpuCores: number;
  /** Requested memory of all idle replicas, in bytes. */
  memoryBytes: number;
};

/**
 * The live Service's traffic over the last minutes, from Prometheus.
 *
 * @public
 */
export type FleetTraffic = {
  /** Requests per second through the Service. */
  rps: number;
  /** Share of 5xx answers, 0..1; absent without traffic. */
  errorRatio?: number;
};

/**
 * The post-promote watch as the fleet shows it (without the criteria).
 *
 * @public
 */
export type FleetWatch = Pick<
  WatchStatus,
  'state' | 'promotedTo' | 'previous' | 'startedAt' | 'endsAt' | 'autoRollback'
>;

/**
 * One blue/green service on one cluster.
 *
 * @public
 */
export type FleetRow = {
  /** `entityRef@cluster`: an entity without a cluster annotation may run on several clusters. */
  key: string;
  entityRef: string;
  kind: string;
  /** The entity's catalog namespace and name, for links. */
  entityNamespace: string;
  name: string;
  title?: string;
  /** Owner entity refs (`ownedBy` relations). */
  owners: string[];
  strategy: StrategyName;
  /** The cluster the row was read from; absent when no cluster could be determined. */
  cluster?: string;
  namespace: string;
  /** `unknown` when the cluster could not be read. */
  live: Color | 'split' | 'none' | 'unknown';
  colors?: Record<Color, FleetColor>;
  /** The idle color and what its replicas request; absent while no single color is live. */
  idle?: FleetIdleCost;
  /** Whether promote may run now (readiness and strategy state; checks are in `preDeploy`). */
  promotable: boolean;
  status: FleetRowStatus;
  /** The last promote, rollback or automatic rollback that succeeded. */
  lastSwitch?: Pick<
    HistoryEntry,
    'action' | 'actor' | 'from' | 'to' | 'outcome' | 'createdAt' | 'reason'
  >;
  /** The operation running now. */
  inProgress?: Pick<HistoryEntry, 'action' | 'actor' | 'createdAt'>;
  /** Pre-deploy checklist status of the idle color (from the checklist engine, when installed). */
  preDeploy?: CheckStatus;
  watch?: FleetWatch;
  /** Titles of the rollback criteria firing now. */
  firing?: string[];
  traffic?: FleetTraffic;
  problems: string[];
  /**
   * Whether the caller may scale this row's idle color down now (their permission and the
   * row's state), and why not; what `POST /fleet/scale-down` would answer for it.
   */
  scaleDown?: FleetRowScaleDown;
};

/**
 * A row's scale-down, decided before anyone asks: allowed, or the outcome a request would get
 * (`denied`: no permission; `skipped`: nothing to scale; `refused`: the row's state does not
 * allow it) and why.
 *
 * @public
 */
export type FleetRowScaleDown =
  | { allowed: true }
  | {
      allowed: false;
      outcome: 'skipped' | 'denied' | 'refused';
      reason: string;
    };

/**
 * How one cluster answered.
 *
 * @public
 */
export type FleetCluster = {
  name: string;
  /** unknown: an entity's annotation names a cluster that is not configured. */
  status: 'ok' | 'unavailable' | 'unknown';
  /** Why it is unavailable. */
  error?: string;
  /** When its objects were listed (they are cached briefly). */
  readAt?: string;
};

/**
 * Response of `GET /api/blue-green/fleet`.
 *
 * @public
 */
export type FleetResponse = {
  rows: FleetRow[];
  clusters: FleetCluster[];
  /** True when a cluster could not be read: its rows are `unavailable`. */
  partial: boolean;
  /** Prometheus and checklist data that could not be had (the rows are shown without it). */
  warnings: string[];
  generatedAt: string;
};

/**
 * Body of `POST /api/blue-green/fleet/scale-down`.
 *
 * @public
 */
export type FleetScaleDownRequest = {
  entityRefs: string[];
  /** Replicas to leave in each idle color. Default 0. */
  replicas?: number;
  reason?: string;
  /**
   * Decide without scaling: each result says what would happen (`scaled`: would be scaled)
   * from the cluster as it is now and the caller's permission. Nothing is written or recorded.
   */
  dryRun?: boolean;
};

/**
 * What happened to one service of a bulk scale-down.
 *
 * @public
 */
export type FleetScaleDownResult = {
  entityRef: string;
  /**
   * scaled; skipped (nothing to do, e.g. already at the target); denied (no permission);
   * refused (the state does not allow it, e.g. the color became live); failed (an error).
   */
  outcome: 'scaled' | 'skipped' | 'denied' | 'refused' | 'failed';
  color?: Color;
  replicas?: number;
  message?: string;
};

/**
 * Response of `POST /api/blue-green/fleet/scale-down`, in the order of the request.
 *
 * @public
 */
export type FleetScaleDownResponse = {
  results: FleetScaleDownResult[];
  /** True when the request was a dry run: nothing was scaled. */
  dryRun?: boolean;
};
