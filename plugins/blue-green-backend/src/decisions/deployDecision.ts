import {
  ActionDecision,
  HistoryEntry,
  otherColor,
  WatchStatus,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  StrategySnapshot,
  SwitchStrategy,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { at } from './format';

/**
 * Whether a new version may be deployed now, and to which color: always the idle one. A switch in
 * progress, split traffic or a strategy refusal cannot be forced; deploying over the way back of a
 * running post-promote watch can (the watch would then have no previous version to return to).
 * Undefined when the strategy cannot deploy.
 */
export function decideDeploy(options: {
  snapshot: StrategySnapshot;
  strategy: SwitchStrategy;
  inProgress?: HistoryEntry;
  watch?: Pick<WatchStatus, 'state' | 'previous' | 'promotedTo' | 'endsAt'>;
}): ActionDecision | undefined {
  const { snapshot, strategy, inProgress, watch } = options;
  if (!strategy.deploy) return undefined;
  const hard: string[] = [];
  if (inProgress) {
    hard.push(
      `a ${inProgress.action} by ${inProgress.actor} is in progress since ${at(
        inProgress.createdAt,
      )}`,
    );
  }
  const live = snapshot.live;
  if (live !== 'blue' && live !== 'green') {
    hard.push(
      live === 'split'
        ? 'traffic is split between the colors: finish the shift or roll it back first'
        : snapshot.problems[0] ??
            'no color takes traffic, so no color is idle to deploy to',
    );
    return { allowed: false, reasons: hard, forceable: false };
  }
  const target = otherColor(live);
  hard.push(...(strategy.deployRefusals?.(snapshot, target) ?? []));
  const forceable: string[] = [];
  if (watch?.state === 'running' && watch.previous === target) {
    forceable.push(
      `${target} is the way back while the post-promote watch of ${
        watch.promotedTo
      } runs (until ${at(
        watch.endsAt,
      )}): a new version there leaves automatic rollback nothing to return to`,
    );
  }
  const reasons = [...hard, ...forceable];
  return {
    allowed: reasons.length === 0,
    target,
    reasons,
    forceable: hard.length === 0 && forceable.length > 0,
  };
}
