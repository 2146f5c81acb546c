import {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { isError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { Entity } from '@backstage/catalog-model';
import {
  BLUE_GREEN_ANNOTATIONS,
  blueGreenScalePermission,
  FLEET_ROW_STATUSES,
  FleetCluster,
  FleetResponse,
  FleetRow,
  FleetRowScaleDown,
  FleetTraffic,
  HistoryEntry,
  resolveBlueGreenTarget,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  KubernetesGateway,
  SwitchStrategy,
} from '@bluegreen-backstage/plugin-blue-green-node';
import {
  EntityDecision,
  EntityPermissions,
} from '../authorization/EntityPermissions';
import { HistoryStore } from '../database/HistoryStore';
import { EntityChange } from '../operations/Announcer';
import { StrategyRegistry } from '../strategies/StrategyRegistry';
import { ClusterCache, ClusterRead } from './ClusterCache';
import { FleetInsights } from './insights';
import { Lookup, RecordedSnapshot, sameAnswers } from './RecordedSnapshot';
import {
  baseRow,
  FleetEntityInsights,
  Placement,
  RowContext,
  rowOf,
  unplacedRow,
} from './rows';
import { scaleDownDecision } from './scaleDownDecision';
import {
  FleetPrometheus,
  FleetTrafficAnswer,
  queryFleetTraffic,
  trafficOf,
} from './traffic';

const message = (error: unknown) =>
  isError(error) ? error.message : String(error);

/** Memo entries unused for this long are dropped. */
const MEMO_IDLE_MS = 10 * 60_000;

/**
 * Entities asked of the catalog per request: each page is let go once its facts are taken. The
 * catalog finds the matching entities again for every page (~9 ms at 10,000), but a bigger page
 * is more to hold at once: pages of 2,500 were as fast and kept ~100 MB more resident.
 */
const CATALOG_PAGE_SIZE = 1000;

/** An entity's annotations resolved, for as long as the catalog answers it with the same etag. */
type ResolvedEntity = {
  etag: string;
  entityRef: string;
  target: Placement['target'];
  facts: Placement['facts'];
  /** The entity's placement for each answer of the scale rule, once made (see `placementSlot`). */
  placements: Array<Placement | undefined>;
  usedAt: number;
};

/** A traffic answer, for the clusters it was asked for (as JSON), and when it was asked. */
type TrafficEntry = {
  clusters: string;
  at: number;
  answer: Promise<FleetTrafficAnswer>;
};

/** The caller's scale-down decision, or why the permission backend gave none. */
type ScaleDecision =
  | { decision: EntityDecision; rule?: (entity: Entity) => boolean }
  | { error: string };

/**
 * A row as last built, valid while its entity is unchanged, the same lookups give the same
 * objects and its history and checklist facts are the same. Holds no copy of the objects.
 */
type RowMemo = {
  target: Placement['target'];
  lookups: Lookup[];
  /** What the row's history and checklist facts were (see `contextKey`). */
  context: string;
  /** The snapshot (by id) whose lookups last gave the same objects: it need not be asked again. */
  checkedIn: number;
  /** The Service whose traffic the row shows, read anew on every call. */
  liveService: string;
  row: FleetRow;
  /**
   * The row as JSON without its traffic (and without the closing brace), once written: answers
   * write it again instead of writing the whole row anew.
   */
  json?: string;
  /**
   * The row's scale-down decisions as made, by whether the entity has several rows and whether
   * the caller may scale it (see `scaleDownSlot`): each answer of the row takes one of them.
   */
  scaleDowns?: FleetRowScaleDown[];
  usedAt: number;
};

/** Where a resolved entity keeps its placement for an answer of the scale rule (or none). */
const placementSlot = (mayScale: boolean | undefined) =>
  mayScale === undefined ? 0 : 1 + Number(mayScale);

/** Where a kept row keeps the scale-down decision for these two facts. */
const scaleDownSlot = (several: boolean, permitted: boolean) =>
  (several ? 2 : 0) + (permitted ? 1 : 0);

/**
 * A row of an answer: the row as built, with this answer's traffic and scale-down decision. A
 * kept row (with its `memo`) is shared by the answers while it is valid, and never changed.
 */
export type AnsweredRow = {
  row: FleetRow;
  memo?: RowMemo;
  traffic?: FleetTraffic;
  scaleDown?: FleetRowScaleDown;
};

/** `GET /fleet` as the router writes it, row by row (see {@link FleetService.rowJson}). */
export type FleetAnswer = Omit<FleetResponse, 'rows'> & {
  rows: AnsweredRow[];
};

/**
 * An answered row. Every one has all four fields from the start (the scale-down decision is set
 * later): one shape, and no property storage added to 10,000 objects per call.
 */
const answeredRow = (
  row: FleetRow,
  memo: RowMemo | undefined,
  traffic: FleetTraffic | undefined,
): AnsweredRow => ({ row, memo, traffic, scaleDown: undefined });

/** A row built for this answer only. */
const fresh = (row: FleetRow) => answeredRow(row, undefined, row.traffic);

/** An answered row as a whole row. */
const wholeRow = ({ row, traffic, scaleDown }: AnsweredRow): FleetRow => ({
  ...row,
  traffic,
  scaleDown,
});

/**
 * What a row's history and checklist facts are, as a string: a history entry is written once when
 * it starts and once when it ends, so its id, outcome and end identify its content.
 */
function contextKey(context: RowContext): string {
  const { lastSwitch: last, inProgress, insights } = context;
  if (!last && !inProgress && !insights) return '';
  return JSON.stringify([
    last && [last.id, last.outcome, last.finishedAt],
    inProgress && [inProgress.id, inProgress.outcome, inProgress.finishedAt],
    insights,
  ]);
}

function sweep<T extends { usedAt: number }>(
  memo: Map<string, T>,
  now: number,
) {
  for (const [key, entry] of memo) {
    if (now - entry.usedAt > MEMO_IDLE_MS) memo.delete(key);
  }
}

/** Most urgent first, then by entity and cluster: incidents lead the page. */
const urgency = new Map(FLEET_ROW_STATUSES.map((status, i) => [status, i]));
/** By code unit, as `kubectl` sorts names: a stable order, without the cost of collation. */
function byText(a: string, b: string) {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
function byUrgency(a: FleetRow, b: FleetRow) {
  return (
    (urgency.get(a.status) ?? 99) - (urgency.get(b.status) ?? 99) ||
    byText(a.entityRef, b.entityRef) ||
    byText(a.cluster ?? '', b.cluster ?? '')
  );
}

/** History actions that write to the cluster: the fleet's lists of it are stale after one. */
const CLUSTER_WRITES = new Set<HistoryEntry['action']>([
  'promote',
  'rollback',
  'auto-rollback',
  'scale',
  'scale-down',
  'preview-route',
  'mirror',
]);

/**
 * The fleet page: every blue/green service the caller can see in the catalog, across clusters.
 *
 * Built from one set of list calls per cluster (cached briefly, see {@link ClusterCache}), two
 * Prometheus queries, two history queries, the stored checklist insights and one permission
 * decision — never one request per entity. Each entity's row comes from the same strategy
 * `read()` and `decideActions()` as its tab, run on the listed objects. A cluster that fails or
 * is slow marks its rows unavailable; the rest of the fleet is served. Rows come most urgent
 * first (incidents lead).
 */
export class FleetService {
  readonly #catalog: CatalogService;
  readonly #gateway: KubernetesGateway;
  readonly #history: HistoryStore;
  readonly #strategies: StrategyRegistry;
  readonly #clusters: ClusterCache;
  readonly #insights?: FleetInsights;
  readonly #traffic?: {
    prometheus: FleetPrometheus;
    queries: { rps: string; errorRatio: string };
  };
  readonly #permissions: EntityPermissions;
  readonly #checksRequired: boolean;
  readonly #catalogPageSize: number;
  readonly #cacheTtlMs: number;
  /**
   * The last traffic answer, reused for `fleet.cacheTtl` by calls without `refresh` like the
   * clusters' lists: Prometheus answers every caller alike.
   */
  #lastTraffic?: TrafficEntry;
  /** The clusters each entity's rows were read from, for {@link FleetService.changed}. */
  readonly #clustersOf = new Map<string, Array<string | undefined>>();
  /** By entity uid: see {@link ResolvedEntity}. Holds no entity. */
  readonly #resolved = new Map<string, ResolvedEntity>();
  /** By row key (`entityRef@cluster`): see {@link RowMemo}. */
  readonly #rows = new Map<string, RowMemo>();
  /** The clusters the last answer listed, and the strategies each was listed for. */
  #lastLists = new Map<string | undefined, SwitchStrategy[]>();

  constructor(options: {
    catalog: CatalogService;
    gateway: KubernetesGateway;
    history: HistoryStore;
    strategies: StrategyRegistry;
    clusters: ClusterCache;
    insights?: FleetInsights;
    /** The plugin's Prometheus and the fleet's traffic queries, for the traffic column. */
    traffic?: {
      prometheus: FleetPrometheus;
      queries: { rps: string; errorRatio: string };
    };
    /** For each row's scale-down decision. */
    permissions: PermissionsService;
    /** `checks.requiredForPromote`: "ready to promote" needs the pre-deploy checks to pass. */
    checksRequired?: boolean;
    /** Entities per catalog request (default 1,000). */
    catalogPageSize?: number;
    /** How long calls without `refresh` reuse the traffic answer (`fleet.cacheTtl`). */
    cacheTtlMs?: number;
  }) {
    this.#catalog = options.catalog;
    this.#gateway = options.gateway;
    this.#history = options.history;
    this.#strategies = options.strategies;
    this.#clusters = options.clusters;
    this.#insights = options.insights;
    this.#traffic = options.traffic;
    this.#permissions = EntityPermissions.create({
      permissions: options.permissions,
    });
    this.#checksRequired = options.checksRequired ?? true;
    this.#catalogPageSize = options.catalogPageSize ?? CATALOG_PAGE_SIZE;
    this.#cacheTtlMs = options.cacheTtlMs ?? 0;
  }

  /** `GET /fleet`, with whole rows. */
  async getFleet(
    caller: { credentials: BackstageCredentials },
    options: { refresh?: boolean } = {},
  ): Promise<FleetResponse> {
    return this.response(await this.getFleetAnswer(caller, options));
  }

  /** An answer with whole rows. */
  response(answer: FleetAnswer): FleetResponse {
    return { ...answer, rows: answer.rows.map(wholeRow) };
  }

  /**
   * `GET /fleet` as the router writes it: the rows kept between calls are not copied into each
   * answer (see {@link FleetService.rowJson}).
   */
  async getFleetAnswer(
    caller: { credentials: BackstageCredentials },
    options: { refresh?: boolean } = {},
  ): Promise<FleetAnswer> {
    // Needs only the caller: asked while the catalog is read, applied to each entity in hand.
    const scale: Promise<ScaleDecision> = this.#permissions
      .decide([blueGreenScalePermission], caller.credentials)
      .then(
        ([decision]) => ({
          decision,
          rule: this.#permissions.localRule(decision),
        }),
        error => ({ error: message(error) }),
      );
    // The clusters the last answer needed are most likely needed again: their lists are asked
    // for while the catalog answers (which clusters to list depends on the entities).
    const early = new Map(
      [...this.#lastLists].map(([cluster, strategies]) => {
        const read = this.#clusters.read(
          cluster,
          strategies,
          caller.credentials,
          Boolean(options.refresh),
        );
        read.catch(() => undefined);
        return [cluster, { strategies, read }] as const;
      }),
    );
    // So is their traffic: Prometheus answers while the catalog does.
    const earlyClusters = [...this.#lastLists.keys()];
    const earlyTraffic = earlyClusters.length
      ? {
          key: JSON.stringify(earlyClusters),
          answer: this.#trafficOf(earlyClusters, Boolean(options.refresh)),
        }
      : undefined;
    earlyTraffic?.answer.catch(() => undefined);
    const { entities, problems } = await this.#entities(
      caller.credentials,
      scale,
    );

    // Which clusters to list, and which strategies' kinds each needs.
    const known = await this.#gateway.clusterNames();
    const unannotated = [...entities.values()].some(p => !p.target.cluster);
    const searchAll = unannotated && known.length > 1;
    /** Searched for on every cluster: no cluster annotation, several clusters. */
    const searched = (placement: Placement) =>
      searchAll && !placement.target.cluster;
    /** The one cluster of an entity that is not searched for. */
    const clusterOf = (placement: Placement) =>
      placement.target.cluster ?? known[0];
    const byCluster = new Map<string | undefined, Set<SwitchStrategy>>();
    const add = (cluster: string | undefined, strategy: SwitchStrategy) => {
      const set = byCluster.get(cluster) ?? new Set();
      set.add(strategy);
      byCluster.set(cluster, set);
    };
    for (const placement of entities.values()) {
      const strategy = this.#strategies.get(placement.target.strategy);
      if (searched(placement)) {
        for (const cluster of known) add(cluster, strategy);
      } else {
        add(clusterOf(placement), strategy);
      }
    }

    this.#lastLists = new Map(
      [...byCluster].map(([cluster, strategies]) => [cluster, [...strategies]]),
    );
    const readCluster = (
      cluster: string | undefined,
      strategies: Set<SwitchStrategy>,
    ) => {
      const started = early.get(cluster);
      if (
        started &&
        [...strategies].every(s => started.strategies.includes(s))
      ) {
        return started.read;
      }
      return this.#clusters.read(
        cluster,
        [...strategies],
        caller.credentials,
        Boolean(options.refresh),
      );
    };

    const refs = [...entities.keys()];
    const clusterNames = [...byCluster.keys()];
    const trafficAnswer =
      earlyTraffic?.key === JSON.stringify(clusterNames)
        ? earlyTraffic.answer
        : this.#trafficOf(clusterNames, Boolean(options.refresh));
    const [reads, facts, traffic, insights] = await Promise.all([
      Promise.all(
        [...byCluster].map(
          async ([cluster, strategies]) =>
            [cluster, await readCluster(cluster, strategies)] as const,
        ),
      ),
      this.#history.fleetFacts(),
      trafficAnswer,
      this.#insightsFor(refs, caller.credentials),
    ]);
    const clusterReads = new Map(reads);

    const rows: AnsweredRow[] = problems.map(fresh);
    /** The rows of each entity found on several clusters. */
    const several = new Map<string, number>();
    // Most rows have no history or checklist facts: they share one context.
    const plain: RowContext = {
      traffic: traffic.index,
      checksRequired: this.#checksRequired,
    };
    for (const placement of entities.values()) {
      const lastSwitch = facts.lastSwitches.get(placement.entityRef);
      const inProgress = facts.inProgress.get(placement.entityRef);
      const entityInsights = insights.values.get(placement.entityRef);
      const context: RowContext =
        lastSwitch || inProgress || entityInsights
          ? { ...plain, lastSwitch, inProgress, insights: entityInsights }
          : plain;
      if (searched(placement)) {
        const found = await this.#rowsWhereRunning(
          placement,
          known,
          clusterReads,
          context,
        );
        if (found.length > 1) several.set(placement.entityRef, found.length);
        rows.push(...found);
      } else {
        const cluster = clusterOf(placement);
        // Most rows are as last built: taken without waiting.
        rows.push(
          this.#keptRow(placement, cluster, clusterReads, context) ??
            (await this.#row(placement, cluster, clusterReads, context)),
        );
      }
    }
    for (const { row } of rows) {
      const clusters = this.#clustersOf.get(row.entityRef);
      if (!clusters) this.#clustersOf.set(row.entityRef, [row.cluster]);
      else if (!clusters.includes(row.cluster)) clusters.push(row.cluster);
    }
    const scaleWarning = await this.#decideScaleDowns(
      rows,
      entities,
      several,
      await scale,
      caller.credentials,
    );
    rows.sort((a, b) => byUrgency(a.row, b.row));

    const clusters: FleetCluster[] = [...clusterReads].map(([name, read]) =>
      read.ok
        ? {
            name: read.snapshot.cluster,
            status: 'ok',
            readAt: read.readAt.toISOString(),
          }
        : {
            name: name ?? 'default',
            status: read.unknownCluster ? 'unknown' : 'unavailable',
            error: read.error,
          },
    );
    // A stable order, whichever cluster answered first.
    clusters.sort((a, b) => a.name.localeCompare(b.name));
    const now = Date.now();
    sweep(this.#resolved, now);
    sweep(this.#rows, now);
    return {
      rows,
      clusters,
      partial: clusters.some(c => c.status === 'unavailable'),
      warnings: [
        ...traffic.warnings,
        ...(insights.warning ? [insights.warning] : []),
        ...(scaleWarning ? [scaleWarning] : []),
      ],
      generatedAt: new Date().toISOString(),
    };
  }

  /** The clusters' traffic: asked of Prometheus, or the last answer while it is fresh. */
  #trafficOf(clusters: Array<string | undefined>, refresh: boolean) {
    const key = JSON.stringify(clusters);
    const now = Date.now();
    const last = this.#lastTraffic;
    if (
      !refresh &&
      last?.clusters === key &&
      now - last.at < this.#cacheTtlMs
    ) {
      return last.answer;
    }
    const answer = queryFleetTraffic(
      this.#traffic?.prometheus,
      this.#traffic?.queries ?? { rps: '', errorRatio: '' },
      clusters,
    );
    const entry = { clusters: key, at: now, answer };
    this.#lastTraffic = entry;
    // An answer with a Prometheus that failed is not reused: the next call asks again.
    const forget = () => {
      if (this.#lastTraffic === entry) this.#lastTraffic = undefined;
    };
    answer.then(({ warnings }) => {
      if (warnings.length > 0) forget();
    }, forget);
    return answer;
  }

  /** Drops the cached lists of a cluster (after a change made through the plugin). */
  invalidate(cluster: string): void {
    this.#clusters.invalidate(cluster);
  }

  /**
   * Something happened to an entity (see `Announcer`): after a write to its cluster, the next
   * call lists that cluster again instead of serving the cached lists.
   */
  changed(entityRef: string, change: EntityChange): void {
    if (!('entry' in change)) return;
    const { entry } = change;
    if (entry.outcome === 'in-progress') return;
    if (!CLUSTER_WRITES.has(entry.action)) return;
    for (const cluster of this.#clustersOf.get(entityRef) ?? []) {
      this.#clusters.invalidate(cluster ?? '');
    }
  }

  /**
   * Each row's scale-down decision for this caller: one permission decision, applied to every
   * row with something to scale (to the entity while it was read, or by the permission backend
   * in one request when its conditions need the running catalog). When the permission backend
   * cannot answer, rows carry none (the scale-down itself still checks) and a warning says so.
   */
  async #decideScaleDowns(
    rows: AnsweredRow[],
    entities: Map<string, Placement>,
    several: Map<string, number>,
    scale: ScaleDecision,
    credentials: BackstageCredentials,
  ): Promise<string | undefined> {
    // A kept row takes the decision it was given before for the same facts.
    const decide = ({ row, memo }: AnsweredRow, permitted: boolean) => {
      const rowsOfEntity = several.get(row.entityRef) ?? 1;
      const slot = scaleDownSlot(rowsOfEntity > 1, permitted);
      const kept = memo?.scaleDowns?.[slot];
      if (kept) return kept;
      const decision = scaleDownDecision(row, { rowsOfEntity, permitted });
      if (memo) {
        memo.scaleDowns ??= [];
        memo.scaleDowns[slot] = decision;
      }
      return decision;
    };
    // Rows that cannot be scaled whatever the permission say why without it; the others (left
    // without a decision here) need the caller's permission on their entity.
    const remote = new Set<string>();
    for (const answered of rows) {
      const decision = decide(answered, true);
      const placement = entities.get(answered.row.entityRef);
      if (!decision.allowed || !placement) {
        answered.scaleDown = decision;
      } else if (placement.mayScale === undefined) {
        remote.add(answered.row.entityRef);
      }
    }
    const failed = (error: string) =>
      `who may scale down is not shown: ${error}`;
    if ('error' in scale) return failed(scale.error);
    let permitted: Map<string, boolean>;
    try {
      const refs = [...remote];
      const answers = await this.#permissions.allowsEachRef(
        scale.decision,
        refs,
        credentials,
      );
      permitted = new Map(refs.map((ref, i) => [ref, answers[i]]));
    } catch (error) {
      return failed(message(error));
    }
    for (const answered of rows) {
      if (answered.scaleDown) continue;
      const { entityRef } = answered.row;
      const placement = entities.get(entityRef)!;
      answered.scaleDown = decide(
        answered,
        placement.mayScale ?? permitted.get(entityRef) ?? false,
      );
    }
    return undefined;
  }

  /**
   * The rows of an entity without a cluster annotation, with several clusters: one for every
   * cluster that runs it, like the Kubernetes plugin shows an unannotated entity's workloads.
   */
  async #rowsWhereRunning(
    placement: Placement,
    clusters: Array<string | undefined>,
    reads: Map<string | undefined, ClusterRead>,
    context: RowContext,
  ): Promise<AnsweredRow[]> {
    const strategy = this.#strategies.get(placement.target.strategy);
    const object = strategy.switchedObject(placement.target);
    const found = clusters.filter(c => {
      const read = reads.get(c);
      return (
        read?.ok &&
        read.snapshot.has(object.resource, object.namespace, object.name)
      );
    });
    if (found.length > 0) {
      return Promise.all(
        found.map(
          c =>
            this.#keptRow(placement, c, reads, context) ??
            this.#row(placement, c, reads, context),
        ),
      );
    }
    const down = clusters.filter(c => !reads.get(c)?.ok);
    return [
      fresh(
        unplacedRow(
          placement,
          down.length
            ? `not found on the reachable clusters; cluster ${down.join(
                ', ',
              )} is unavailable`
            : `not found on clusters ${clusters.join(
                ', ',
              )}; add annotation backstage.io/kubernetes-cluster`,
          down.length ? 'unavailable' : 'misconfigured',
          context,
        ),
      ),
    ];
  }

  /**
   * The blue/green entities the caller may read, and rows for those whose annotations are wrong.
   * Read in pages: of each entity only what its rows show is kept (memoized while its etag is
   * the same), and whether the caller may scale it down, decided with the entity in hand.
   */
  async #entities(
    credentials: BackstageCredentials,
    scale: Promise<ScaleDecision>,
  ) {
    const strategies = this.#strategies.names();
    const pages = this.#catalog
      .streamEntities(
        {
          // Read access follows catalog read access: the catalog filters with the caller's rights.
          filter: {
            [`metadata.annotations.${BLUE_GREEN_ANNOTATIONS.strategy}`]:
              strategies,
          },
          // No `fields`: the catalog then sends each entity as stored, without parsing it and
          // writing it again (half the catalog's time at 10,000 entities, docs/benchmarks.md).
          pageSize: this.#catalogPageSize,
          // Nobody reads the total: the catalog need not count the entities first.
          totalItems: 'exclude',
        },
        { credentials },
      )
      [Symbol.asyncIterator]();
    // The first page is asked for while the permission decision is awaited (a failure is
    // thrown where the page is awaited, below).
    const first = pages.next();
    first.catch(() => undefined);
    const decided = await scale;
    const rule = 'rule' in decided ? decided.rule : undefined;
    const entities = new Map<string, Placement>();
    const problems: FleetRow[] = [];
    const now = Date.now();
    for (let page = await first; !page.done; page = await pages.next()) {
      for (const entity of page.value) {
        const placement = this.#resolve(entity, strategies, now, rule);
        if ('problems' in placement) {
          problems.push(placement);
        } else {
          entities.set(placement.entityRef, placement);
        }
      }
    }
    return { entities, problems };
  }

  /**
   * An entity's target and facts (from the memo while its etag is the same) and whether `rule`
   * lets the caller scale it down, or its problem row.
   */
  #resolve(
    entity: Entity,
    strategies: string[],
    now: number,
    rule?: (entity: Entity) => boolean,
  ): Placement | FleetRow {
    const { uid, etag } = entity.metadata;
    const known = uid ? this.#resolved.get(uid) : undefined;
    if (known && etag && known.etag === etag) {
      known.usedAt = now;
      const mayScale = rule?.(entity);
      return (known.placements[placementSlot(mayScale)] ??= {
        entityRef: known.entityRef,
        target: known.target,
        facts: known.facts,
        mayScale,
      });
    }
    const entityRef = stringifyEntityRef(entity);
    const facts = baseRow(entity, entityRef);
    const resolved = resolveBlueGreenTarget(entity, { strategies });
    if (!resolved.ok) {
      return {
        ...facts,
        key: entityRef,
        strategy:
          entity.metadata.annotations?.[BLUE_GREEN_ANNOTATIONS.strategy] ?? '',
        namespace: '',
        live: 'unknown',
        promotable: false,
        status: 'misconfigured',
        problems: resolved.problems,
      };
    }
    const placement = { entityRef, target: resolved.target, facts };
    // The same target object while the entity is unchanged: the rows' memo checks it.
    const mayScale = rule?.(entity);
    const scaled = { ...placement, mayScale };
    if (uid && etag) {
      const placements: ResolvedEntity['placements'] = [];
      placements[placementSlot(mayScale)] = scaled;
      this.#resolved.set(uid, { ...placement, etag, placements, usedAt: now });
    }
    return scaled;
  }

  async #insightsFor(
    refs: string[],
    credentials: BackstageCredentials,
  ): Promise<{ values: Map<string, FleetEntityInsights>; warning?: string }> {
    if (!this.#insights || refs.length === 0) return { values: new Map() };
    try {
      return {
        values: await this.#insights.forEntities(refs, { credentials }),
      };
    } catch (error) {
      return {
        values: new Map(),
        warning: `checklist status is not shown: ${message(error)}`,
      };
    }
  }

  /**
   * The row as last built, with this call's traffic, while it is still valid (see
   * {@link RowMemo}); undefined when it has to be built.
   */
  #keptRow(
    placement: Placement,
    cluster: string | undefined,
    reads: Map<string | undefined, ClusterRead>,
    context: RowContext,
  ): AnsweredRow | undefined {
    const read = reads.get(cluster);
    if (!read?.ok) return undefined;
    const { snapshot } = read;
    const memo = this.#rows.get(`${placement.entityRef}@${snapshot.cluster}`);
    if (
      !memo ||
      memo.target !== placement.target ||
      memo.context !== contextKey(context)
    ) {
      return undefined;
    }
    if (memo.checkedIn !== snapshot.id) {
      if (!sameAnswers(memo.lookups, snapshot)) return undefined;
      memo.checkedIn = snapshot.id;
    }
    memo.usedAt = Date.now();
    return answeredRow(
      memo.row,
      memo,
      trafficOf(
        context.traffic,
        snapshot.cluster,
        placement.target.namespace,
        memo.liveService,
      ),
    );
  }

  /**
   * A row of an answer as JSON: a kept row is written from its kept JSON and the answer's traffic
   * and scale-down decision (the only fields an answer gives it).
   */
  rowJson(answered: AnsweredRow): string {
    const { memo, traffic, scaleDown } = answered;
    if (!memo) return JSON.stringify(wholeRow(answered));
    if (memo.json === undefined) {
      const { traffic: _traffic, ...rest } = memo.row;
      memo.json = JSON.stringify(rest).slice(0, -1);
    }
    let json = memo.json;
    if (traffic !== undefined) {
      json += `,"traffic":${JSON.stringify(traffic)}`;
    }
    if (scaleDown !== undefined) {
      json += `,"scaleDown":${JSON.stringify(scaleDown)}`;
    }
    return `${json}}`;
  }

  /** One entity's row on one cluster, built from the cluster's lists (see `#keptRow` first). */
  async #row(
    placement: Placement,
    cluster: string | undefined,
    reads: Map<string | undefined, ClusterRead>,
    context: RowContext,
  ): Promise<AnsweredRow> {
    const read = reads.get(cluster);
    if (!read?.ok) {
      return fresh(
        unplacedRow(
          placement,
          read?.unknownCluster
            ? read.error
            : `cluster ${cluster ?? '(default)'} is unavailable: ${
                read?.error ?? 'not read'
              }`,
          read?.unknownCluster ? 'misconfigured' : 'unavailable',
          context,
          cluster,
        ),
      );
    }
    const strategy = this.#strategies.get(placement.target.strategy);
    const { snapshot: clusterSnapshot } = read;
    const key = `${placement.entityRef}@${clusterSnapshot.cluster}`;
    try {
      const recorded = new RecordedSnapshot(clusterSnapshot);
      const snapshot = await strategy.read(recorded, placement.target);
      const row = rowOf(
        placement,
        strategy,
        snapshot,
        clusterSnapshot.cluster,
        context,
      );
      const memo: RowMemo = {
        target: placement.target,
        lookups: recorded.lookups,
        context: contextKey(context),
        checkedIn: clusterSnapshot.id,
        liveService: strategy.liveService(placement.target, snapshot),
        row,
        usedAt: Date.now(),
      };
      this.#rows.set(key, memo);
      return answeredRow(row, memo, row.traffic);
    } catch (error) {
      this.#rows.delete(key);
      return fresh(
        unplacedRow(
          placement,
          message(error),
          'misconfigured',
          context,
          clusterSnapshot.cluster,
        ),
      );
    }
  }
}
