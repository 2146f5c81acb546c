import {
  CheckStatus,
  ChecklistItem,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { JudgedCriterion } from './criteria';
import { num } from './format';
import { LOG_SIGNAL_ID, LogCount, LogEvidence } from './logSignalSettings';
import { Thresholds } from './thresholds';

export type { LogCount, LogEvidence } from './logSignalSettings';

/** Less than this many seconds of logs per pod is too little to tell a rate from. */
const MIN_COVERED_SECONDS = 30;
const MAX_SAMPLES = 3;
const MAX_SAMPLE_LENGTH = 200;

/** Compiles the configured patterns (checked at start-up): one alternation, multi-line. */
export const logPattern = (patterns: string[]) =>
  new RegExp(patterns.map(p => `(?:${p})`).join('|'), 'm');

/**
 * The error lines of one pod's log as the API server returns it with `timestamps=true` (each line
 * starts with its RFC 3339 time), counted within `span`. A log cut by `tailLines` covers only from
 * its first line on, one cut by `limitBytes` only up to its last whole line: the time covered
 * shrinks accordingly, so the rate stays a rate.
 */
export function countPodLog(
  text: string,
  pattern: RegExp,
  span: { from: Date; to: Date },
  bounds: { tailLines: number; limitBytes: number },
): Pick<LogCount, 'lines' | 'podMinutes' | 'samples'> {
  let lines = text.split('\n');
  const cutAtEnd = Buffer.byteLength(text, 'utf8') >= bounds.limitBytes;
  // The last element is '' after a final newline, or a line cut short by limitBytes.
  lines = lines.slice(0, -1);
  const timed = lines.map(line => {
    const space = line.indexOf(' ');
    const at = space > 0 ? Date.parse(line.slice(0, space)) : NaN;
    return Number.isNaN(at)
      ? { at: undefined, content: line }
      : { at, content: line.slice(space + 1) };
  });
  const times = timed
    .map(l => l.at)
    .filter((t): t is number => t !== undefined);
  let from = span.from.getTime();
  let to = span.to.getTime();
  if (lines.length >= bounds.tailLines && times.length > 0) {
    from = Math.max(from, times[0]);
  }
  if (cutAtEnd && times.length > 0) to = Math.min(to, times[times.length - 1]);
  let count = 0;
  const samples: string[] = [];
  for (const { at, content } of timed) {
    if (at !== undefined && (at < from || at > to)) continue;
    if (!pattern.test(content)) continue;
    count++;
    if (samples.length < MAX_SAMPLES) {
      samples.push(content.trim().slice(0, MAX_SAMPLE_LENGTH));
    }
  }
  return {
    lines: count,
    podMinutes: Math.max(0, to - from) / 60_000,
    samples,
  };
}

/** The counts of several pods as one count of the color. */
export function sumCounts(
  counts: Array<Pick<LogCount, 'lines' | 'podMinutes' | 'samples'>>,
  source: string,
): LogCount {
  return {
    lines: counts.reduce((n, c) => n + c.lines, 0),
    podMinutes: counts.reduce((n, c) => n + c.podMinutes, 0),
    pods: counts.length,
    samples: counts.flatMap(c => c.samples).slice(0, MAX_SAMPLES),
    source,
  };
}

/** Error lines per minute per pod, or why it cannot be told. */
function rateOf(count: LogCount | undefined): {
  rate?: number;
  why?: string;
} {
  if (!count) return { why: 'not read' };
  if (count.error) return { why: count.error };
  if (count.pods === 0) return { why: 'no pods to read' };
  const seconds = (count.podMinutes * 60) / count.pods;
  if (seconds < MIN_COVERED_SECONDS) {
    return {
      why: `only ${Math.round(
        seconds,
      )} s of logs per pod so far; at least ${MIN_COVERED_SECONDS} s are needed`,
    };
  }
  return { rate: count.lines / count.podMinutes };
}

const perMinute = (rate: number) => `${num(rate)}/min per pod`;

type Judged = {
  status: CheckStatus;
  observed?: string;
  threshold: string;
  message?: string;
  detail: string;
};

/**
 * An error-log spike on the color: more error lines per minute per pod than
 * `logErrorsPerMinute`, and more than `logErrorFactor` times the previous color's before the
 * switch when that is known. Above the first only (the previous version logged as much): warn.
 * Without logs to count: unknown, never pass.
 */
export function judgeLogSignal(
  evidence: LogEvidence,
  thresholds: Pick<Thresholds, 'logErrorsPerMinute' | 'logErrorFactor'>,
): Judged {
  const { color, previous, current, baseline } = evidence;
  const limit = thresholds.logErrorsPerMinute;
  const factor = thresholds.logErrorFactor;
  const now = rateOf(current);
  const before = rateOf(baseline).rate;
  const threshold =
    before === undefined
      ? `> ${perMinute(limit)} (no baseline from ${previous})`
      : `> ${perMinute(limit)} and > ${factor}× ${previous}'s ${perMinute(
          before,
        )}`;
  const detail = [
    `${color}: ${current.source}`,
    ...(baseline ? [`${previous}: ${baseline.source}`] : []),
    ...current.samples.map(s => `e.g. ${s}`),
  ].join('\n');
  if (now.rate === undefined) {
    return { status: 'unknown', threshold, message: now.why, detail };
  }
  const observed = `${perMinute(now.rate)} (${current.lines} lines in ${
    current.pods
  } pod${current.pods === 1 ? '' : 's'})`;
  let status: CheckStatus = 'pass';
  if (now.rate > limit) {
    status =
      before === undefined || now.rate > factor * before ? 'fail' : 'warn';
  }
  return { status, observed, threshold, detail };
}

const TITLE = 'No error-log spike';

/**
 * The log signal as a post-deploy item of the live color (required; the platform can relax it
 * with `checks.items.log-errors.required`).
 */
export function logItem(
  evidence: LogEvidence,
  thresholds: Thresholds,
): ChecklistItem {
  const judged = judgeLogSignal(evidence, thresholds);
  return {
    id: LOG_SIGNAL_ID,
    category: 'monitoring',
    title: TITLE,
    kind: 'auto',
    required: true,
    status: judged.status,
    threshold: judged.threshold,
    ...(judged.observed && { observed: judged.observed }),
    ...(judged.message && { message: judged.message }),
    evidence: { type: 'logs', detail: judged.detail },
  };
}

/** The log signal as a rollback criterion, for `evaluateCriteria`'s `extra`. */
export function logCriterion(
  evidence: LogEvidence,
  thresholds: Thresholds,
): JudgedCriterion {
  const judged = judgeLogSignal(evidence, thresholds);
  return {
    id: LOG_SIGNAL_ID,
    title: 'Error-log spike',
    failing: judged.status === 'unknown' ? undefined : judged.status === 'fail',
    observed: judged.observed,
    unknownReason: judged.message,
    threshold: judged.threshold,
    evidence: { type: 'logs', detail: judged.detail },
  };
}
