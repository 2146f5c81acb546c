import { Entity, RELATION_OWNED_BY } from '@backstage/catalog-model';
import {
  BlueGreenTarget,
  CheckStatus,
  Color,
  COLORS,
  FleetColor,
  FleetRow,
  FleetRowStatus,
  HistoryEntry,
  otherColor,
  WatchStatus,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  podRequests,
  StrategySnapshot,
  SwitchStrategy,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { versionKey } from '../decisions/revision';
import { decideActions, liveColorOf } from '../decisions/switchDecision';
import { TrafficIndex, trafficOf } from './traffic';

/** What the checklists and the watch say about one entity, for the fleet's columns. */
export type FleetEntityInsights = {
  /** Status of the last pre-deploy checklist ("waiting for promotion?"). */
  preDeploy?: CheckStatus;
  /** The color and version it was evaluated for; shown only while that is the idle version. */
  preDeployOf?: { color: Color; version: string };
  /** The post-promote watch, running or last ended. */
  watch?: WatchStatus;
  /** Titles of the rollback criteria firing now. */
  firing?: string[];
};

/** What a row shows of its entity (see {@link baseRow}). */
export type EntityFacts = ReturnType<typeof baseRow>;

/**
 * One entity, its annotations resolved: what its rows need of it, not the entity itself (the
 * fleet reads the catalog in pages and lets each page go once read).
 */
export type Placement = {
  entityRef: string;
  target: BlueGreenTarget;
  facts: EntityFacts;
  /**
   * Whether the caller may scale it down, when that was decided with the entity in hand;
   * undefined when only the permission backend can say (or it did not answer).
   */
  mayScale?: boolean;
};

/** What a row shows besides the cluster's objects. */
export type RowContext = {
  lastSwitch?: HistoryEntry;
  inProgress?: HistoryEntry;
  insights?: FleetEntityInsights;
  traffic: TrafficIndex;
  /** Whether promote needs the pre-deploy checks to pass (`checks.requiredForPromote`). */
  checksRequired: boolean;
};

const round = (n: number) => Math.round(n * 1000) / 1000;

function pick<T extends object, K extends keyof T>(
  value: T | undefined,
  keys: readonly K[],
): Pick<T, K> | undefined {
  if (!value) return undefined;
  const result = {} as Pick<T, K>;
  for (const key of keys) {
    if (value[key] !== undefined) result[key] = value[key];
  }
  return result;
}

/** The catalog facts of a row. */
export function baseRow(entity: Entity, entityRef: string) {
  return {
    entityRef,
    kind: entity.kind,
    entityNamespace: entity.metadata.namespace ?? 'default',
    name: entity.metadata.name,
    title: entity.metadata.title,
    owners: (entity.relations ?? [])
      .filter(r => r.type === RELATION_OWNED_BY)
      .map(r => r.targetRef),
  };
}

function common(placement: Placement, context: RowContext) {
  const { facts, target } = placement;
  const watch = context.insights?.watch;
  return {
    ...facts,
    strategy: target.strategy,
    namespace: target.namespace,
    lastSwitch: pick(context.lastSwitch, [
      'action',
      'actor',
      'from',
      'to',
      'outcome',
      'createdAt',
      'reason',
    ] as const),
    inProgress: pick(context.inProgress, [
      'action',
      'actor',
      'createdAt',
    ] as const),
    watch: watch && {
      state: watch.state,
      promotedTo: watch.promotedTo,
      previous: watch.previous,
      startedAt: watch.startedAt,
      endsAt: watch.endsAt,
      autoRollback: watch.autoRollback,
    },
    firing: context.insights?.firing,
  };
}

/** A row whose objects could not be read. */
export function unplacedRow(
  placement: Placement,
  problem: string,
  status: FleetRowStatus,
  context: RowContext,
  cluster?: string,
): FleetRow {
  return {
    ...common(placement, context),
    preDeploy: context.insights?.preDeploy,
    key: `${placement.entityRef}@${cluster ?? ''}`,
    cluster,
    live: 'unknown',
    promotable: false,
    status,
    problems: [problem],
  };
}

/** The pre-deploy status, while it was evaluated for the version the idle color runs now. */
function preDeployOf(
  insights: FleetEntityInsights | undefined,
  snapshot: StrategySnapshot,
): CheckStatus | undefined {
  const of = insights?.preDeployOf;
  const idle = liveColorOf(snapshot) && otherColor(liveColorOf(snapshot)!);
  if (!of) return insights?.preDeploy;
  return of.color === idle && of.version === versionKey(snapshot, of.color)
    ? insights?.preDeploy
    : undefined;
}

/** One entity's row on one cluster, from its strategy's snapshot of the cluster's lists. */
export function rowOf(
  placement: Placement,
  strategy: SwitchStrategy,
  snapshot: StrategySnapshot,
  cluster: string,
  context: RowContext,
): FleetRow {
  const { target } = placement;
  const decisions = decideActions({
    snapshot,
    strategy,
    lastSwitch: context.lastSwitch,
    inProgress: context.inProgress,
  });
  const colors = Object.fromEntries(
    COLORS.map(c => {
      const s = snapshot.colors[c];
      const color: FleetColor = {
        role: s.role,
        weight: s.weight,
        version: s.version,
        replicas: { desired: s.replicas.desired, ready: s.replicas.ready },
      };
      return [c, color];
    }),
  ) as Record<Color, FleetColor>;

  const live = liveColorOf(snapshot);
  let idle: FleetRow['idle'];
  if (live) {
    const color = otherColor(live);
    const replicas = snapshot.colors[color].replicas.desired;
    const perPod = podRequests(snapshot.raw.templates[color]);
    idle = {
      color,
      replicas,
      cpuCores: round(perPod.cpuCores * replicas),
      memoryBytes: Math.round(perPod.memoryBytes * replicas),
    };
  }
  const row = {
    ...common(placement, context),
    checksRequired: context.checksRequired,
    preDeploy: preDeployOf(context.insights, snapshot),
    key: `${placement.entityRef}@${cluster}`,
    cluster,
    live: snapshot.live,
    colors,
    idle,
    promotable: decisions.promote.allowed,
    traffic: trafficOf(
      context.traffic,
      cluster,
      target.namespace,
      strategy.liveService(target, snapshot),
    ),
    problems: snapshot.problems,
  };
  const { checksRequired, ...fleetRow } = row;
  return { ...fleetRow, status: statusOf(row) };
}

/** The one status a row is filtered by: what needs attention first (see `FleetRowStatus`). */
export function statusOf(
  row: Pick<
    FleetRow,
    | 'live'
    | 'colors'
    | 'problems'
    | 'promotable'
    | 'inProgress'
    | 'watch'
    | 'lastSwitch'
    | 'preDeploy'
  > & { firing?: string[]; checksRequired: boolean },
): FleetRowStatus {
  if (row.live === 'unknown') return 'unavailable';
  if (row.problems.length > 0) return 'misconfigured';
  if (row.inProgress) return 'switching';
  const live =
    row.live === 'blue' || row.live === 'green'
      ? row.colors?.[row.live]
      : undefined;
  if (
    (row.firing?.length ?? 0) > 0 ||
    (live && live.replicas.ready < live.replicas.desired)
  ) {
    return 'failing';
  }
  // Until someone switches again, the version that was rolled back waits in the idle color.
  if (
    row.lastSwitch?.action === 'auto-rollback' &&
    row.lastSwitch.outcome === 'succeeded'
  ) {
    return 'rolled-back';
  }
  if (row.watch?.state === 'running') return 'watching';
  if (row.live === 'split') return 'split';
  if (row.live === 'blue' || row.live === 'green') {
    const idleColor = otherColor(row.live);
    const idle = row.colors?.[idleColor];
    // The color traffic just left (the previous version) is a rollback target, not a candidate.
    const justLeft =
      row.lastSwitch?.from === idleColor && row.lastSwitch?.to === row.live;
    if (
      !justLeft &&
      idle &&
      idle.replicas.desired > 0 &&
      idle.version !== live?.version
    ) {
      if (row.preDeploy === 'fail') return 'checks-failing';
      const checked = row.preDeploy === 'pass' || !row.checksRequired;
      return row.promotable && checked ? 'waiting' : 'checks-pending';
    }
  }
  return 'stable';
}
