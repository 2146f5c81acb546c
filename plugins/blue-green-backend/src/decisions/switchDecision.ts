import {
  ActionDecision,
  Color,
  HistoryEntry,
  otherColor,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  StrategySnapshot,
  SwitchStrategy,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { versionKey } from './revision';
import { at } from './format';

/** The color taking all traffic, when one does. */
export const liveColorOf = (snapshot: Pick<StrategySnapshot, 'live'>) =>
  snapshot.live === 'blue' || snapshot.live === 'green'
    ? snapshot.live
    : undefined;

/**
 * A stepped promote that is running: a rollback stops it (traffic returns to where it started),
 * it can be cancelled, and nothing else may start meanwhile.
 */
export function runningShift(
  entry: HistoryEntry | undefined,
): HistoryEntry | undefined {
  const steps = entry?.details?.steps;
  return entry?.outcome === 'in-progress' &&
    entry.action === 'promote' &&
    Array.isArray(steps) &&
    steps.length > 1
    ? entry
    : undefined;
}

/** Where promote and rollback would send traffic. */
export function targets(
  snapshot: StrategySnapshot,
  lastSwitch: HistoryEntry | undefined,
): { promote?: Color; rollback?: Color } {
  const { live } = snapshot;
  if (live === 'blue' || live === 'green') {
    return { promote: otherColor(live), rollback: otherColor(live) };
  }
  if (live === 'split') {
    // Mid-shift: promote finishes the shift, rollback returns to where it started.
    const heading =
      lastSwitch?.to ??
      (snapshot.colors.blue.weight < snapshot.colors.green.weight
        ? 'green'
        : 'blue');
    return { promote: heading, rollback: otherColor(heading) };
  }
  return {};
}

/** The versions of both colors a switch was decided on, as history keeps them. */
export type SwitchVersions = Partial<Record<Color, string>>;

/** A version key (`v2@digest`) as a person reads it: its label. */
const label = (key: string) => key.split('@')[0];

/**
 * Why rollback may not send traffic to `to`: rollback goes back to what was live before — the
 * color and version the last promote replaced (from the history), or what the strategy's own
 * record says was live (Argo Rollouts' stable ReplicaSet). A color that was never live, that was
 * itself rolled back, or whose version changed since, is a promote's job (with its checks):
 * forceable only.
 */
export function rollbackTargetReasons(options: {
  snapshot: StrategySnapshot;
  strategy: SwitchStrategy;
  lastSwitch?: HistoryEntry;
  to: Color;
  /** The version key of `to` now. */
  version: string;
}): string[] {
  const { snapshot, strategy, lastSwitch: last, to, version } = options;
  const live = liveColorOf(snapshot);
  // Mid-shift, rollback returns to where the shift started (see `targets`).
  if (!live) return [];
  if (strategy.previousLive?.(snapshot) === to) return [];
  const otherwise = `promote ${to} instead (with its checks), or force the rollback`;
  const running = `${to} (${label(version)})`;
  if (!last || last.to !== live) {
    return [
      `${running} was never live before ${live}: ${
        last
          ? `the last switch in the history went to ${last.to}, so ${live} was made live outside Blue/Green`
          : 'the history has no switch that made it live'
      }; ${otherwise}`,
    ];
  }
  if (last.action !== 'promote') {
    return [
      `${running} was rolled back by ${last.actor} at ${last.createdAt}; ${otherwise}`,
    ];
  }
  if (last.from !== to) {
    return [
      `${running} was not live before the last promote (it went from ${
        last.from ?? 'none'
      } to ${live}); ${otherwise}`,
    ];
  }
  const before = (last.details?.versions as SwitchVersions | undefined)?.[to];
  if (before !== undefined && before !== version) {
    const changed =
      label(before) === label(version)
        ? `${label(version)} was rebuilt (its images changed)`
        : `it runs ${label(version)} now, not ${label(before)}`;
    return [
      `${to} changed since it was live (before the promote at ${last.createdAt}): ${changed}; ${otherwise}`,
    ];
  }
  return [];
}

/** The target color must have every desired replica ready. */
export function readinessReasons(
  snapshot: StrategySnapshot,
  color: Color,
): string[] {
  const { replicas, workload, pods } = snapshot.colors[color];
  if (!workload) return [`${color} has no workload`];
  if (replicas.desired === 0) return [`${color} is scaled to 0 replicas`];
  if (replicas.ready < replicas.desired) {
    const waiting = pods
      .filter(p => !p.ready)
      .map(
        p =>
          `${p.name}: ${p.waitingReason ?? p.lastTerminationReason ?? p.phase}`,
      );
    const why = waiting.length ? ` (${waiting.slice(0, 3).join('; ')})` : '';
    return [
      `${color} is not ready: ${replicas.ready}/${replicas.desired} replicas ready${why}`,
    ];
  }
  return [];
}

/**
 * Whether promote and rollback may run now. Readiness and failing checks can be forced;
 * structural problems (nothing to switch to, a switch already running) cannot.
 */
export function decideActions(options: {
  snapshot: StrategySnapshot;
  strategy: SwitchStrategy;
  lastSwitch?: HistoryEntry;
  inProgress?: HistoryEntry;
  /** Reasons from required checks that are not passing (checklist), forceable. */
  checkReasons?: string[];
  /** Reasons rollback must not run (a signed-off contract phase), forceable. */
  rollbackReasons?: string[];
  /** Why the plugin may only read the entity's cluster, if it may not write it. */
  readOnly?: string;
}): { promote: ActionDecision; rollback: ActionDecision } {
  const { snapshot, strategy, inProgress } = options;
  const to = targets(snapshot, options.lastSwitch);
  const blocking: string[] = options.readOnly ? [options.readOnly] : [];
  if (inProgress) {
    blocking.push(
      `a ${inProgress.action} by ${inProgress.actor} is in progress since ${at(
        inProgress.createdAt,
      )}`,
    );
  }

  const decision = (
    action: 'promote' | 'rollback',
    target: Color | undefined,
    forceable: string[],
  ): ActionDecision => {
    if (!target) {
      return {
        allowed: false,
        reasons: [
          ...blocking,
          snapshot.problems[0] ??
            'no color takes traffic, so there is nothing to switch from',
        ],
        forceable: false,
      };
    }
    const hard = [...blocking, ...strategy.refusals(snapshot, action, target)];
    const reasons = [...hard, ...forceable];
    return {
      allowed: reasons.length === 0,
      target,
      reasons,
      forceable: hard.length === 0 && forceable.length > 0,
    };
  };

  const shift = runningShift(inProgress);
  if (shift) {
    // Rollback stops the shift: traffic goes back to where it started, whatever the weights say.
    return {
      promote: decision('promote', shift.to, []),
      rollback: {
        allowed: true,
        target: shift.from ?? otherColor(shift.to!),
        reasons: [],
        forceable: false,
      },
    };
  }

  const promoteForceable = to.promote
    ? [
        ...readinessReasons(snapshot, to.promote),
        ...(options.checkReasons ?? []),
      ]
    : [];
  const rollbackForceable = [
    ...(to.rollback
      ? rollbackTargetReasons({
          snapshot,
          strategy,
          lastSwitch: options.lastSwitch,
          to: to.rollback,
          version: versionKey(snapshot, to.rollback),
        })
      : []),
    ...(to.rollback && strategy.capabilities.rollbackNeedsReadyTarget
      ? readinessReasons(snapshot, to.rollback)
      : []),
    ...(options.rollbackReasons ?? []),
  ];

  return {
    promote: decision('promote', to.promote, promoteForceable),
    rollback: decision('rollback', to.rollback, rollbackForceable),
  };
}
