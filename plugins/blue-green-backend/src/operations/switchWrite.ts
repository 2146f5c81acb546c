import { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';
import {
  Color,
  SwitchRequest,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  SentRequest,
  StrategySnapshot,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { stateDigest } from '../decisions/revision';
import {
  failedSwitchOutcome,
  refusedSwitchOutcome,
  switchLanded,
} from '../decisions/switchOutcome';
import { EntityPlace } from '../entities/EntityResolver';
import { errorMessage } from './OperationRecorder';

/** A decided switch, as it is written. */
export type SwitchRun = {
  action: 'promote' | 'rollback' | 'auto-rollback';
  to: Color;
  request: SwitchRequest;
  switchId: string;
  stepIntervalMs: number;
  /** A stepped shift's gate between steps (pause, analysis, stop requests). */
  beforeStep?: (step: number, weight: number) => Promise<void>;
};

/** What a switch's write went by, and what it left. */
export type Written = {
  /** The snapshot the write was decided on (a fresh one after a retry). */
  decidedOn: StrategySnapshot;
  /** The snapshot the write left, when the strategy can tell (see `switchTo`). */
  after?: StrategySnapshot;
};

/**
 * The write, as compare-and-swap. When the cluster refuses it but a fresh read shows the same
 * decision inputs (same state digest: only unrelated fields moved, such as a Rollout's status),
 * the write is decided again on the fresh objects; a real change of the live state is a 409.
 */
export async function writeWithRetry(
  place: EntityPlace,
  snapshot: StrategySnapshot,
  run: SwitchRun,
  sent: SentRequest[],
): Promise<Written> {
  const { strategy, kube, target } = place;
  const decidedOn = stateDigest(snapshot);
  let current = snapshot;
  for (let attempt = 1; ; attempt++) {
    try {
      const after = await strategy.switchTo(
        kube,
        target,
        current,
        {
          action: run.action,
          from: current.live,
          to: run.to,
          steps: run.request.steps,
          stepIntervalMs:
            run.request.stepIntervalSeconds !== undefined
              ? run.request.stepIntervalSeconds * 1000
              : run.stepIntervalMs,
          full: run.request.full,
          switchId: run.switchId,
          beforeStep: run.beforeStep,
        },
        sent,
      );
      return { decidedOn: current, after: after || undefined };
    } catch (error) {
      if (
        !(error instanceof ConflictError) ||
        sent.length > 0 ||
        attempt >= 3
      ) {
        throw error;
      }
      current = await strategy.read(kube, target);
      if (stateDigest(current) !== decidedOn) {
        throw new ConflictError(
          `${run.action} refused: the live state changed while switching (another switch won); reload and decide again`,
        );
      }
    }
  }
}

/** What a failed write left in the cluster. */
export type WriteFailure =
  | { landed: true; cluster: string }
  | {
      landed: false;
      outcome: 'refused' | 'failed';
      cluster: string;
      observedLive: string;
    };

/**
 * A write failed; what does the cluster show now?
 * - the cluster refused the compare-and-swap before anything was written: untouched, refused
 *   (another switch won) — definitive, no re-read needed;
 * - otherwise (an error, a timeout, a dropped connection: the write may or may not have landed)
 *   a re-read decides: the target is live → the switch landed and its answer was lost; the
 *   previous state is live → untouched; anything else (a stepped shift stopped half-way) → the
 *   strategy puts the previous split back where it can, so the cluster ends fully switched or
 *   untouched, and partial only when even that fails.
 */
export async function recoverFailedWrite(
  place: EntityPlace,
  before: StrategySnapshot,
  switched: { to: Color; switchId: string },
  sent: SentRequest[],
  error: unknown,
  logger: LoggerService,
): Promise<WriteFailure> {
  const { strategy, kube, target } = place;
  if (error instanceof ConflictError && sent.length === 0) {
    return {
      landed: false,
      outcome: 'refused',
      ...refusedSwitchOutcome(before.live),
    };
  }
  const read = () =>
    strategy.read(kube, target).catch(readError => readError as Error);
  let after = await read();
  const marksSwitches = Boolean(strategy.marksSwitches);
  if (switchLanded(after, { ...switched, marksSwitches })) {
    return {
      landed: true,
      cluster: `switched: ${
        switched.to
      } is live although the cluster's answer was lost (${errorMessage(
        error,
      )})`,
    };
  }
  // Something this switch wrote stayed (traffic moved, or the strategy's state did): put it back
  // where the strategy can, so the cluster ends switched or untouched.
  const state = (s: StrategySnapshot) =>
    stateDigest(s, { objectVersion: false });
  const moved = (now: StrategySnapshot) =>
    now.live !== before.live || state(now) !== state(before);
  if (
    !(after instanceof Error) &&
    moved(after) &&
    sent.length > 0 &&
    strategy.restore
  ) {
    const restoring: SentRequest[] = [];
    try {
      await strategy.restore(kube, target, before, after, restoring);
    } catch (restoreError) {
      logger.warn(
        `Could not restore ${
          place.entityRef
        } after a failed switch: ${errorMessage(restoreError)}`,
      );
    }
    sent.push(...restoring);
    after = await read();
  }
  return {
    landed: false,
    outcome: 'failed',
    ...failedSwitchOutcome({
      before: before.live,
      after,
      accepted: sent.length,
      marksSwitches,
      changed: !(after instanceof Error) && moved(after),
    }),
  };
}
