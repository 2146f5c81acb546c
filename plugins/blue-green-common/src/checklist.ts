import type { Color } from './colors';

/**
 * Result of one check. Missing data is `unknown`, never `pass`.
 *
 * @public
 */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'pending' | 'unknown';

/**
 * Groups of the pre-deploy checklist and of the post-deploy checks.
 *
 * @public
 */
export type CheckCategory =
  | 'infrastructure'
  | 'application'
  | 'database'
  | 'monitoring'
  | 'networking'
  | 'analysis'
  | 'slo'
  | 'traffic';

/**
 * Where a check's result comes from, so a user can reproduce it.
 *
 * @public
 */
export type CheckEvidence =
  | { type: 'promql'; query: string }
  | { type: 'kubernetes'; detail: string }
  | { type: 'http'; detail: string }
  | { type: 'logs'; detail: string }
  | { type: 'analysis-run'; detail: string }
  | { type: 'sign-off'; detail: string };

/**
 * One item of a checklist.
 *
 * @public
 */
export type ChecklistItem = {
  /** Stable id, e.g. `pods-ready`, `db-migration`; used in sign-off URLs and config overrides. */
  id: string;
  category: CheckCategory;
  title: string;
  /** auto: evaluated by the backend; manual: signed off by a person. */
  kind: 'auto' | 'manual';
  /** Required items must pass before promote (unless forced). */
  required: boolean;
  status: CheckStatus;
  /** What was observed, formatted for people (e.g. "0.04 %", "3/3 ready"). */
  observed?: string;
  /** What it is compared against (e.g. "below 0.1 %"). */
  threshold?: string;
  message?: string;
  evidence?: CheckEvidence;
  /** Manual items: who signed off, when, with what note. */
  signOff?: { by: string; at: string; note?: string };
};

/**
 * Response of `GET …/checklist?phase=pre|post`.
 *
 * @public
 */
export type Checklist = {
  phase: 'pre' | 'post';
  /** The color checked: the idle color before a promote, the live one after. */
  color: Color;
  /** That color's version; manual sign-offs belong to it and reset when it changes. */
  version?: string;
  /** fail if a required item fails, else unknown/pending/warn if any required item is so, else pass. */
  status: CheckStatus;
  items: ChecklistItem[];
  evaluatedAt: string;
  /** E.g. "Prometheus is unreachable: metric checks are unknown". */
  warnings: string[];
};

/**
 * Body of `POST …/checklist/:itemId/sign-off`.
 *
 * @public
 */
export type SignOffRequest = { note?: string };

/**
 * One rollback criterion (5xx ratio, OOM kills, health, P99, CPU), as the post-promote watch evaluates it.
 *
 * @public
 */
export type CriterionStatus = {
  id: string;
  title: string;
  /** rollback: an automatic rollback when enabled; investigate: the owners are notified. */
  action: 'rollback' | 'investigate';
  status: CheckStatus;
  observed?: string;
  threshold?: string;
  /** True once the criterion has held for its sustain period. */
  firing: boolean;
  evidence?: CheckEvidence;
};

/**
 * The watch that runs after a promote (default 5 minutes), like Argo's postPromotionAnalysis.
 *
 * @public
 */
export type WatchStatus = {
  id: string;
  state: 'running' | 'passed' | 'rolled-back' | 'stopped';
  promotedTo: Color;
  previous: Color;
  startedAt: string;
  endsAt: string;
  /** Whether immediate-rollback criteria roll back by themselves for this entity. */
  autoRollback: boolean;
  criteria: CriterionStatus[];
  lastEvaluatedAt?: string;
  /** Why the watch ended, when it did. */
  result?: string;
};

/**
 * Metrics charted per color.
 *
 * @public
 */
export type MetricName = 'rps' | 'errorRatio' | 'p99';

/**
 * Response of `GET …/metrics?range=30m&step=15s`.
 *
 * @public
 */
export type MetricsResponse = {
  start: string;
  end: string;
  stepSeconds: number;
  series: Array<{
    metric: MetricName;
    color: Color;
    /** [unix seconds, value]; null where Prometheus had no sample. */
    points: Array<[number, number | null]>;
  }>;
  /** The PromQL behind each metric. */
  queries: Record<MetricName, string>;
  /** Fixed thresholds of the rollback criteria, in the series' units (e.g. errorRatio 0.01). */
  thresholds?: Partial<Record<MetricName, number>>;
  warnings: string[];
};

/**
 * Per-color SLO state: availability and latency against their objectives, and the error budget left.
 *
 * @public
 */
export type SloStatus = {
  objective: 'availability' | 'latency';
  /** e.g. 0.999, or 0.95 of requests under `latencyThresholdMs`. */
  target: number;
  latencyThresholdMs?: number;
  windowDays: number;
  perColor: Record<
    Color,
    { attained?: number; errorBudgetRemaining?: number; burnRate?: number }
  >;
};
