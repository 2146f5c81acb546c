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
import { ScheduledScaleDown } from '../database/ScaleDownStore';
import { StoredWatch, toWatchStatus } from '../database/WatchStore';
import { revisionOf } from './revision';
import { decideActions } from './switchDecision';

/** What the plugin's history says about an entity, next to what its cluster says. */
export type HistoryFacts = {
  lastSwitch?: HistoryEntry;
  inProgress?: HistoryEntry;
  scaleDown?: ScheduledScaleDown;
  watch?: StoredWatch;
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
  const decisions = decideActions({
    snapshot,
    strategy,
    lastSwitch: facts.lastSwitch,
    inProgress: facts.inProgress,
    checkReasons: options.checks?.promote,
    rollbackReasons: options.checks?.rollback,
    readOnly: options.readOnly,
  });
  return {
    entityRef: options.entityRef,
    strategy: target.strategy,
    capabilities: strategy.capabilities,
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
    revision: revisionOf(snapshot),
    problems: snapshot.problems,
    inProgress: facts.inProgress,
    scaleDown: facts.scaleDown && {
      color: facts.scaleDown.color,
      replicas: facts.scaleDown.replicas,
      at: facts.scaleDown.dueAt.toISOString(),
    },
    watch: facts.watch && toWatchStatus(facts.watch),
    ...(options.readOnly && { readOnly: options.readOnly }),
  };
}
