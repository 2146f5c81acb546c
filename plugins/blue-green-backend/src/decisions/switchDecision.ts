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

/** The color taking all traffic, when one does. */
export const liveColorOf = (snapshot: Pick<StrategySnapshot, 'live'>) =>
  snapshot.live === 'blue' || snapshot.live === 'green'
    ? snapshot.live
    : undefined;

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
      `a ${inProgress.action} by ${inProgress.actor} is in progress since ${inProgress.createdAt}`,
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

  const promoteForceable = to.promote
    ? [
        ...readinessReasons(snapshot, to.promote),
        ...(options.checkReasons ?? []),
      ]
    : [];
  const rollbackForceable = [
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
