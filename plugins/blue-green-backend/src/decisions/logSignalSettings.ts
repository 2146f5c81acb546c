// The settings and evidence types of the log signal alone, so that reading the config and the
// evidence needs none of its evaluation.
import { Color } from '@bluegreen-backstage/plugin-blue-green-common';

/** The error lines of one color's pods over the time read. */
export type LogCount = {
  /** Lines that matched a pattern. */
  lines: number;
  /** Minutes covered, summed over the pods read (two pods read over 2 min: 4). */
  podMinutes: number;
  pods: number;
  /** A few matching lines, for people. */
  samples: string[];
  /** How they were read, so that a user can read them again. */
  source: string;
  /** Why the count is not known. */
  error?: string;
};

/** The log signal's evidence: the color checked, and the previous color before the switch. */
export type LogEvidence = {
  color: Color;
  current: LogCount;
  previous: Color;
  baseline?: LogCount;
};

/**
 * What a line must match to count as an error line (any one of them): error levels, stack-trace
 * lines, refused and timed-out connections.
 */
export const DEFAULT_LOG_PATTERNS: readonly string[] = [
  '\\b(ERROR|CRITICAL|FATAL)\\b',
  '"level"\\s*:\\s*"(error|critical|fatal)"',
  '^\\s+at \\S',
  '^Traceback \\(most recent call last\\)',
  '[Cc]onnection refused|ECONNREFUSED',
  '[Tt]imed out|[Tt]imeout|ETIMEDOUT',
];

/**
 * The log signal (`blueGreen.logs`): error lines of each color's pods per minute, read through
 * the Kubernetes API's pod logs, or counted by Loki when `loki` is set.
 */
export type LogSignalSettings = {
  enabled: boolean;
  /** Regular expressions; a line that matches any of them is an error line. */
  patterns: string[];
  /** How far back the logs are read. */
  windowMs: number;
  /** Pods of a color whose logs are read (the first ones). */
  maxPods: number;
  /** Bounds of one pod's read. */
  tailLines: number;
  limitBytes: number;
  loki?: LokiSettings;
};

/** Loki's HTTP API, counting the error lines with a LogQL metric query. */
export type LokiSettings = {
  baseUrl: string;
  /**
   * A LogQL metric query template, one number: the error lines of a color's pods over
   * `{{window}}`. Placeholders: {{namespace}}, {{pods}}, {{pattern}}, {{window}}.
   */
  query: string;
  headers: Record<string, string>;
  timeoutMs: number;
};

export const DEFAULT_LOKI_QUERY =
  'sum(count_over_time({namespace="{{namespace}}", pod=~"{{pods}}"} |~ "{{pattern}}" [{{window}}]))';

/** The id of the post-deploy item and of the rollback criterion. */
export const LOG_SIGNAL_ID = 'log-errors';
