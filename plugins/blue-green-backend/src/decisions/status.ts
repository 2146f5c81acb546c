import {
  BlueGreenTarget,
  EntityStatus,
  HistoryEntry,
  StrategyDetails,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  StrategySnapshot,
  SwitchStrategy,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { FailedVersionRecord } from '../database/FailedVersionStore';
import { ScheduledScaleDown } from '../database/ScaleDownStore';
import { StoredWatch, toWatchStatus } from '../database/WatchStore';
import { decideDeploy } from './deployDecision';
import { failedVersionOf, failedVersionReason } from './failedVersion';
import { revisionOf } from './revision';
import { decideActions, targets } from './switchDecision';

/** What the plugin's history says about an entity, next to what its cluster says. */
export type HistoryFacts = {
  lastSwitch?: HistoryEntry;
  inProgress?: HistoryEntry;
  scaleDown?: ScheduledScaleDown;
  watch?: StoredWatch;
  /** Versions of the entity that were rolled back. */
  failedVersions?: FailedVersionRecord[];
};

/** What the checklists say about the switches: forceable reasons to wait. */
export type CheckFacts = {
  /** Required pre-deploy items of the idle color that do not pass. */
  promote: string[];
  /** A signed-off contract phase of the live version. */
  rollback: string[];
};

/** An entity's status: the cluster's snapshot and the history's and checklists' facts, decided. */
export function composeStatus(options: {
  entityRef: string;
  target: BlueGreenTarget;
  strategy: SwitchStrategy;
  cluster: string;
  /** Why the plugin may only read the entity's cluster, if it may not write it. */
  readOnly?: string;
  snapshot: StrategySnapshot;
  facts: HistoryFacts;
  checks?: CheckFacts;
}): EntityStatus {
  const { snapshot, facts, strategy, target } = options;
  // The version promote would put live, when it was rolled back before.
  const failedVersion = failedVersionOf(
    snapshot,
    facts.failedVersions,
    targets(snapshot, facts.lastSwitch).promote,
  );
  const decisions = decideActions({
    snapshot,
    strategy,
    lastSwitch: facts.lastSwitch,
    inProgress: facts.inProgress,
    checkReasons: [
      ...(failedVersion ? [failedVersionReason(failedVersion)] : []),
      ...(options.checks?.promote ?? []),
    ],
    rollbackReasons: options.checks?.rollback,
    readOnly: options.readOnly,
  });
  const deploy = decideDeploy({
    snapshot,
    strategy,
    inProgress: facts.inProgress,
    watch: facts.watch,
  });
  return {
    entityRef: options.entityRef,
    strategy: target.strategy,
    capabilities: { ...strategy.capabilities, deploy: Boolean(deploy) },
    facts: snapshot.facts,
    ...(snapshot.trafficControls && {
      trafficControls: snapshot.trafficControls,
    }),
    cluster: options.cluster,
    namespace: target.namespace,
    live: snapshot.live,
    colors: snapshot.colors,
    details: snapshot.details as StrategyDetails,
    promote: decisions.promote,
    rollback: decisions.rollback,
    ...(deploy && { deploy }),
    ...(failedVersion && { failedVersion }),
    revision: revisionOf(snapshot, facts.lastSwitch),
    problems: snapshot.problems,
    inProgress: facts.inProgress,
    scaleDown: facts.scaleDown && {
      color: facts.scaleDown.color,
      replicas: facts.scaleDown.replicas,
      at: facts.scaleDown.dueAt.toISOString(),
      ...(facts.watch?.state === 'running' &&
        facts.watch.previous === facts.scaleDown.color && {
          afterWatch: true,
        }),
    },
    watch: facts.watch && toWatchStatus(facts.watch),
    ...(options.readOnly && { readOnly: options.readOnly }),
  };
}

/**
 * The status of an entity whose objects may not be changed for it (see `Authorizer`): the
 * problems shown first, and neither promote nor rollback allowed, even forced.
 */
export function withObjectProblems(
  status: EntityStatus,
  problems: string[],
): EntityStatus {
  if (problems.length === 0) return status;
  const refused = (decision: EntityStatus['promote']) => ({
    ...decision,
    allowed: false,
    reasons: [...problems, ...decision.reasons],
    forceable: false,
  });
  return {
    ...status,
    problems: [...problems, ...status.problems],
    promote: refused(status.promote),
    rollback: refused(status.rollback),
  };
}
