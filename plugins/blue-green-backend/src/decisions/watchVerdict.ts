import { CriterionStatus } from '@bluegreen-backstage/plugin-blue-green-common';
import { StoredWatch } from '../database/WatchStore';
import { CriteriaResult } from './criteria';

/** What one evaluation of a running watch calls for. */
export type WatchVerdict = {
  /** Rollback criteria that fire. */
  rollback: CriterionStatus[];
  /** Investigate criteria that fire and the owners were not told of yet. */
  investigate: CriterionStatus[];
  /** What to save of the evaluation; `state: passed` when the window ended quietly. */
  save: {
    criteria: CriterionStatus[];
    streaks: Record<string, number>;
    notified: string[];
    state?: 'passed';
    result?: string;
  };
  /** The firing rollback criteria, in a line, and as the switch's evidence. */
  why: string;
  evidence: { watchId: string; criteria: Array<Record<string, unknown>> };
};

/**
 * Decides on one evaluation of a running watch: immediate-rollback criteria that fire call for a
 * rollback; investigate criteria are told to the owners once each; a window that ends with no
 * rollback criterion firing passes.
 */
export function watchVerdict(
  watch: StoredWatch,
  result: CriteriaResult & { warnings: string[] },
  now: Date,
): WatchVerdict {
  const firing = result.criteria.filter(c => c.firing);
  const rollback = firing.filter(c => c.action === 'rollback');
  const investigate = firing.filter(
    c => c.action === 'investigate' && !watch.notified.includes(c.id),
  );
  const passed =
    now.getTime() >= new Date(watch.endsAt).getTime() && rollback.length === 0;
  return {
    rollback,
    investigate,
    save: {
      criteria: result.criteria,
      streaks: result.streaks,
      notified: [...watch.notified, ...investigate.map(c => c.id)],
      ...(passed && {
        state: 'passed' as const,
        result: `no rollback criterion fired in the window${
          result.warnings.length ? ` (${result.warnings.join('; ')})` : ''
        }`,
      }),
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
