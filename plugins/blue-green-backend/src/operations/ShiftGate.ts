import { ConflictError } from '@backstage/errors';
import { Color } from '@bluegreen-backstage/plugin-blue-green-common';
import { ShiftStop, ShiftStopStore } from '../database/ShiftStopStore';
import { StoredWatch, WatchStore } from '../database/WatchStore';
import { EntityContext } from '../entities/EntityResolver';
import { WatchEvaluator } from './WatchEvaluator';

/** A step of a stepped shift failed its analysis: traffic goes back to where it started. */
export class StepFailed extends ConflictError {
  readonly evidence: Record<string, unknown>;

  constructor(message: string, evidence: Record<string, unknown>) {
    super(message);
    this.evidence = evidence;
  }
}

/** Someone asked a running shift to stop (cancel, or roll back): traffic goes back. */
export class ShiftStopped extends ConflictError {
  readonly stop: ShiftStop;

  constructor(stop: ShiftStop) {
    super(
      `${stop.kind === 'rollback' ? 'rolled back' : 'cancelled'} by ${
        stop.requestedBy
      } during the shift${stop.reason ? ` (${stop.reason})` : ''}`,
    );
    this.stop = stop;
  }
}

/** The most a gate sleeps before it looks for a stop request again. */
const LOOK_EVERY_MS = 500;

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/**
 * The gate between the steps of a stepped shift (like Flagger's analysis of each canary step):
 * during the pause after a step it evaluates the post-promote watch's rollback criteria on the
 * color taking the new share, every evaluation interval. A criterion that fires stops the shift
 * (all traffic goes back to the previous color); the next step waits until the pause is over
 * and no rollback criterion fails; a cancel or a rollback asked for meanwhile (by any replica)
 * stops it too. The watch it evaluates is the promote's, started with the first step.
 */
export class ShiftGate {
  readonly #evaluator: WatchEvaluator;
  readonly #watches: WatchStore;
  readonly #stops: ShiftStopStore;
  readonly #evaluationIntervalMs: number;

  constructor(options: {
    evaluator: WatchEvaluator;
    watches: WatchStore;
    stops: ShiftStopStore;
    evaluationIntervalMs: number;
  }) {
    this.#evaluator = options.evaluator;
    this.#watches = options.watches;
    this.#stops = options.stops;
    this.#evaluationIntervalMs = options.evaluationIntervalMs;
  }

  /**
   * The `beforeStep` of one shift. `watch` is the promote's watch; `persisted` says whether it is
   * stored (the watch may be turned off, and the steps are analysed all the same).
   */
  beforeStep(
    context: EntityContext,
    shift: {
      historyId: string;
      to: Color;
      steps: number[];
      stepIntervalMs: number;
      watch: StoredWatch;
      persisted: boolean;
    },
  ): (step: number, weight: number) => Promise<void> {
    const watch = { ...shift.watch };
    return async step => {
      const share = shift.steps[step - 1];
      const started = Date.now();
      const deadline = started + shift.stepIntervalMs;
      let next = Math.min(started + this.#evaluationIntervalMs, deadline);
      for (;;) {
        const stop = await this.#stops.get(shift.historyId);
        if (stop) throw new ShiftStopped(stop);
        if (Date.now() >= next) {
          const { verdict } = await this.#evaluator.evaluate(context, watch);
          watch.failingSince = verdict.save.failingSince;
          watch.criteria = verdict.save.criteria;
          if (shift.persisted) {
            await this.#watches.saveEvaluation(watch.id, {
              criteria: verdict.save.criteria,
              failingSince: verdict.save.failingSince,
              notified: watch.notified,
            });
          }
          if (verdict.rollback.length > 0) {
            throw new StepFailed(
              `step ${step} of ${shift.steps.length} (${share} % on ${shift.to}) failed its analysis: ${verdict.why}`,
              { step, share, ...verdict.evidence },
            );
          }
          const failing = verdict.save.criteria.some(
            c => c.action === 'rollback' && c.status === 'fail',
          );
          if (Date.now() >= deadline && !failing) return;
          next = Date.now() + this.#evaluationIntervalMs;
          if (next > deadline && Date.now() < deadline) next = deadline;
        }
        await sleep(Math.max(0, Math.min(LOOK_EVERY_MS, next - Date.now())));
      }
    };
  }
}
