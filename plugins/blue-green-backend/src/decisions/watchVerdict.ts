import {
  Color,
  CriterionStatus,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { StoredWatch } from '../database/WatchStore';
import { CriteriaResult } from './criteria';
import { describeFor } from './criteriaSettings';

/** What one evaluation of a running watch calls for. */
export type WatchVerdict = {
  /** Rollback criteria that fire. */
  rollback: CriterionStatus[];
  /** Investigate criteria that fire and the owners were not told of yet. */
  investigate: CriterionStatus[];
  /** What to save of the evaluation; a `state` when the watch ends with it. */
  save: {
    criteria: CriterionStatus[];
    failingSince: Record<string, string>;
    notified: string[];
    state?: 'passed' | 'stopped';
    result?: string;
  };
  /** The firing rollback criteria, in a line, and as the switch's evidence. */
  why: string;
  evidence: { watchId: string; criteria: Array<Record<string, unknown>> };
};

/**
 * Decides on one evaluation of a running watch: immediate-rollback criteria that fire call for a
 * rollback; investigate criteria are told to the owners once each. The window passes only when no
 * rollback criterion fails at its end: one that fails but has not fired yet is watched on, for as
 * long as it may take to fire (`graceMs`, its longest `for`); one that still fails then, after
 * breaks (flapping), ends the watch `stopped`, not passed — nothing that waits for a healthy watch
 * (the scale-down of the previous color) goes on.
 */
export function watchVerdict(
  watch: StoredWatch,
  result: CriteriaResult & { warnings: string[] },
  now: Date,
  graceMs: number,
): WatchVerdict {
  const firing = result.criteria.filter(c => c.firing);
  const rollback = firing.filter(c => c.action === 'rollback');
  const investigate = firing.filter(
    c => c.action === 'investigate' && !watch.notified.includes(c.id),
  );
  const failing = result.criteria.filter(
    c => c.action === 'rollback' && c.status === 'fail' && !c.firing,
  );
  const endsAt = Date.parse(watch.endsAt);
  const over = now.getTime() >= endsAt && rollback.length === 0;
  const warnings = result.warnings.length
    ? ` (${result.warnings.join('; ')})`
    : '';
  let end: Pick<WatchVerdict['save'], 'state' | 'result'> = {};
  if (over && failing.length === 0) {
    end = {
      state: 'passed',
      result: `no rollback criterion fired in the window${warnings}`,
    };
  } else if (over && now.getTime() >= endsAt + graceMs) {
    end = {
      state: 'stopped',
      result: `the window ended with ${failing
        .map(c => `${c.title} (${c.observed})`)
        .join(', ')} failing on and off, never ${describeFor(
        graceMs,
      )} in a row: not rolled back, and not passed`,
    };
  }
  return {
    rollback,
    investigate,
    save: {
      criteria: result.criteria,
      failingSince: result.failingSince,
      notified: [...watch.notified, ...investigate.map(c => c.id)],
      ...end,
    },
    why: rollback.map(c => `${c.title}: ${c.observed}`).join('; '),
    evidence: {
      watchId: watch.id,
      criteria: rollback.map(c => ({
        id: c.id,
        title: c.title,
        observed: c.observed,
        threshold: c.threshold,
        evidence: c.evidence,
      })),
    },
  };
}

/** A color's workload as a watch remembers it (`kind/name`). */
export function workloadKey(
  color: { workload?: { kind: string; name: string } } | undefined,
): string | undefined {
  return color?.workload && `${color.workload.kind}/${color.workload.name}`;
}

/**
 * The color a watch's promoted workload has now: a strategy without colors of its own (Argo
 * Rollouts) may name its ReplicaSets' colors anew; undefined when the workload is gone or unknown.
 */
export function colorOfWorkload(
  colors: Record<Color, { workload?: { kind: string; name: string } }>,
  key: string | undefined,
): Color | undefined {
  if (!key) return undefined;
  return (['blue', 'green'] as const).find(c => workloadKey(colors[c]) === key);
}
