import {
  Color,
  HistoryEntry,
  StrategyFact,
} from '@bluegreen-backstage/plugin-blue-green-common';

type Live = Color | 'split' | 'none';

const message = (error: Error) => error.message;

/**
 * Whether a switch whose answer was lost is in the cluster anyway: the target is live — by this
 * write, when the strategy marks its writes with the switch id (a concurrent switch to the same
 * color is someone else's success, not this one's).
 */
export function switchLanded(
  after: { live: Live; switchId?: string } | Error,
  switched: { to: Color; switchId: string; marksSwitches: boolean },
): boolean {
  return (
    !(after instanceof Error) &&
    after.live === switched.to &&
    (!switched.marksSwitches || after.switchId === switched.switchId)
  );
}

/**
 * What the cluster shows after a switch's write failed, for history and for the caller. `after`
 * is the re-read (after a restore, when the strategy did one), or the error that read ended with;
 * `accepted` counts the requests the cluster had accepted.
 */
export function failedSwitchOutcome(options: {
  before: Live;
  after: { live: Live; facts?: StrategyFact[] } | Error;
  accepted: number;
  marksSwitches: boolean;
  /** Whether the strategy's state differs from before (beyond the live color). */
  changed?: boolean;
}): { cluster: string; observedLive: string } {
  const { before, after, accepted } = options;
  if (after instanceof Error) {
    return {
      observedLive: `unknown (${message(after)})`,
      cluster: `unknown: the cluster could not be read after the error (${message(
        after,
      )}); ${accepted} request(s) were accepted`,
    };
  }
  let cluster: string;
  if (after.live === before && accepted > 0 && options.changed) {
    // Traffic did not move, but what was written stayed (an Argo undo whose promote failed).
    const facts = (after.facts ?? [])
      .map(f => `${f.label}: ${f.value}`)
      .join(', ');
    cluster = `partial: live is still ${
      after.live
    }, but ${accepted} request(s) were accepted and could not be undone${
      facts ? ` (${facts})` : ''
    }; promote or roll back to finish`;
  } else if (after.live === before) {
    cluster = `untouched: live is ${after.live}${
      accepted
        ? ` (${accepted} request(s) accepted, then undone: the previous state is back)`
        : ''
    }`;
  } else if (accepted > 0) {
    cluster = `partial: ${accepted} request(s) accepted before the error; live is ${after.live}`;
  } else if (options.marksSwitches) {
    // The object does not carry this switch's id: another switch moved it meanwhile.
    cluster = `untouched by this request: live is ${after.live}, switched by another request`;
  } else {
    cluster = `unknown: live is ${after.live}, switched by this write or a concurrent one`;
  }
  return { cluster, observedLive: after.live };
}

/** The cluster's answer to a compare-and-swap refused before anything was written. */
export const refusedSwitchOutcome = (before: Live) => ({
  cluster: `untouched: the cluster refused the compare-and-swap; live is ${before}`,
  observedLive: before as string,
});

/**
 * What an operation left by a backend that stopped mid-way did to the cluster, from the live
 * color seen now; undefined for operations that are not switches.
 */
export function interruptedOutcome(
  entry: Pick<HistoryEntry, 'action' | 'from' | 'to'>,
  observedLive: string,
): string | undefined {
  if (!['promote', 'rollback', 'auto-rollback'].includes(entry.action)) {
    return undefined;
  }
  if (observedLive === entry.to) return `switched: ${entry.to} is live`;
  if (observedLive === (entry.from ?? 'none')) {
    return `untouched: live is ${observedLive}`;
  }
  return `partial: live is ${observedLive}; promote or roll back to finish`;
}
