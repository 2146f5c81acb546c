import {
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import {
  Entity,
  parseEntityRef,
  RELATION_OWNED_BY,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import {
  ConflictError,
  InputError,
  isError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  BLUE_GREEN_ANNOTATIONS,
  BLUE_GREEN_STRATEGIES,
  BlueGreenStrategy,
  BlueGreenTarget,
  CheckStatus,
  Color,
  COLORS,
  FleetCluster,
  FleetColor,
  FleetResponse,
  FleetRow,
  FleetRowStatus,
  FleetScaleDownRequest,
  FleetScaleDownResponse,
  FleetScaleDownResult,
  HistoryEntry,
  otherColor,
  resolveBlueGreenTarget,
  WatchStatus,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  KUBE_RESOURCES,
  KubernetesGateway,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { STRATEGIES, StrategySnapshot } from '../strategies';
import { BlueGreenService } from './BlueGreenService';
import { decideActions } from './decide';
import { ClusterSnapshot } from './fleet/ClusterSnapshot';
import {
  FleetPrometheus,
  queryFleetTraffic,
  TrafficIndex,
  trafficOf,
} from './fleet/fleetTraffic';
import { podRequests } from './fleet/quantity';
import { HistoryStore } from './HistoryStore';

/**
 * What the checklist engine knows about one entity, for the fleet's columns.
 *
 * @public
 */
export type FleetEntityInsights = {
  /** Status of the pre-deploy checklist of the idle color ("waiting for promotion?"). */
  preDeploy?: CheckStatus;
  /** The post-promote watch, running or last ended. */
  watch?: WatchStatus;
  /** Titles of the rollback criteria firing now. */
  firing?: string[];
};

/**
 * Supplies pre-deploy status, watch status and firing criteria for many entities at once. Optional:
 * without it the fleet shows those columns empty. Implementations should answer from stored or
 * cached state (one query for all refs), not by evaluating each entity's checklist.
 *
 * @public
 */
export interface FleetInsights {
  forEntities(
    entityRefs: string[],
    options: { credentials: BackstageCredentials },
  ): Promise<Map<string, FleetEntityInsights>>;
}

type Caller = Parameters<BlueGreenService['scale']>[2];

/** `blueGreen.fleet` settings. */
export type FleetConfig = {
  /** How long a cluster's lists are reused. */
  cacheTtlMs: number;
  /** How long the fleet waits for a cluster before marking it unavailable. */
  clusterTimeoutMs: number;
};

export function readFleetConfig(config: Config): FleetConfig {
  const seconds = (key: string, fallback: number) => {
    const value = config.getOptionalNumber(`blueGreen.fleet.${key}`);
    if (value === undefined) return fallback * 1000;
    if (!Number.isFinite(value) || value < 0) {
      throw new Error(`blueGreen.fleet.${key} must be a number >= 0`);
    }
    return value * 1000;
  };
  return {
    cacheTtlMs: seconds('cacheSeconds', 10),
    clusterTimeoutMs: seconds('clusterTimeoutSeconds', 5),
  };
}

/** One entity on one cluster, its objects' names resolved. */
type Placement = {
  entity: Entity;
  entityRef: string;
  target: BlueGreenTarget;
  /** undefined: the gateway's only cluster (or the Kubernetes backend's, through its proxy). */
  cluster?: string;
};

type ClusterRead =
  | { ok: true; snapshot: ClusterSnapshot }
  | { ok: false; error: string; unknownCluster?: boolean };

type CacheEntry = {
  at: number;
  settled: boolean;
  strategies: Set<BlueGreenStrategy>;
  read: Promise<ClusterRead>;
  /** The snapshot, once read: the next read of the cluster reuses its unchanged objects. */
  snapshot?: ClusterSnapshot;
};

const round = (n: number) => Math.round(n * 1000) / 1000;

const message = (error: unknown) =>
  isError(error) ? error.message : String(error);

function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not answer within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Runs `work` over `items`, at most `limit` at a time, keeping the order of results. */
async function mapLimit<T, R>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, worker),
  );
  return results;
}

const SWITCH_FIELDS = [
  'action',
  'actor',
  'from',
  'to',
  'outcome',
  'createdAt',
  'reason',
] as const;

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

/**
 * The fleet page: every blue/green service the caller can see in the catalog, across clusters.
 *
 * Built from one set of list calls per cluster (cached briefly and shared by callers when the
 * cluster is reached with the plugin's own credentials), two Prometheus queries, two history
 * queries and one call to the checklist engine — never one request per entity. Each entity's row
 * comes from the same strategy `read()` and `decideActions()` as its tab, run on the listed objects.
 * A cluster that fails or is slow marks its rows unavailable; the rest of the fleet is served.
 */
export class FleetService {
  readonly #catalog: CatalogService;
  readonly #gateway: KubernetesGateway;
  readonly #history: HistoryStore;
  readonly #blueGreen: BlueGreenService;
  readonly #logger: LoggerService;
  readonly #config: FleetConfig;
  readonly #insights?: FleetInsights;
  readonly #prometheus?: FleetPrometheus;
  readonly #cache = new Map<string, CacheEntry>();

  static create(options: {
    catalog: CatalogService;
    gateway: KubernetesGateway;
    history: HistoryStore;
    blueGreen: BlueGreenService;
    logger: LoggerService;
    config: Config;
    insights?: FleetInsights;
    /** The plugin's Prometheus client, for the traffic columns. */
    prometheus?: FleetPrometheus;
  }): FleetService {
    return new FleetService(options);
  }

  private constructor(options: Parameters<typeof FleetService.create>[0]) {
    this.#catalog = options.catalog;
    this.#gateway = options.gateway;
    this.#history = options.history;
    this.#blueGreen = options.blueGreen;
    this.#logger = options.logger;
    this.#config = readFleetConfig(options.config);
    this.#insights = options.insights;
    this.#prometheus = options.prometheus;
  }

  /** `GET /fleet` */
  async getFleet(
    caller: { credentials: BackstageCredentials },
    options: { refresh?: boolean } = {},
  ): Promise<FleetResponse> {
    const { entities, problems } = await this.#entities(caller.credentials);

    // Which clusters to list, and which kinds each needs.
    const known = await this.#gateway.clusterNames();
    const unannotated = [...entities.values()].some(p => !p.target.cluster);
    const searchAll = unannotated && known.length > 1;
    const strategiesByCluster = new Map<
      string | undefined,
      Set<BlueGreenStrategy>
    >();
    const need = (cluster: string | undefined, strategy: BlueGreenStrategy) => {
      const set = strategiesByCluster.get(cluster) ?? new Set();
      set.add(strategy);
      strategiesByCluster.set(cluster, set);
    };
    for (const { target } of entities.values()) {
      if (target.cluster) need(target.cluster, target.strategy);
      else if (searchAll) known.forEach(c => need(c, target.strategy));
      else need(known[0], target.strategy);
    }

    const refs = [...entities.keys()];
    const [reads, facts, traffic, insights] = await Promise.all([
      Promise.all(
        [...strategiesByCluster].map(async ([cluster, strategies]) => {
          const read = await this.#readCluster(
            cluster,
            strategies,
            caller.credentials,
            Boolean(options.refresh),
          );
          return [cluster, read] as const;
        }),
      ),
      this.#history.fleetFacts(),
      queryFleetTraffic(this.#prometheus, [...strategiesByCluster.keys()]),
      this.#insightsFor(refs, caller.credentials),
    ]);
    const clusterReads = new Map(reads);

    const rows: FleetRow[] = [...problems];
    for (const placement of entities.values()) {
      const { target } = placement;
      let clusters: Array<string | undefined> = [target.cluster];
      if (!target.cluster) clusters = searchAll ? known : [known[0]];
      const context = {
        lastSwitch: facts.lastSwitches.get(placement.entityRef),
        inProgress: facts.inProgress.get(placement.entityRef),
        insights: insights.values.get(placement.entityRef),
        traffic: traffic.index,
      };

      if (target.cluster || !searchAll) {
        rows.push(
          await this.#row(placement, clusters[0], clusterReads, context),
        );
        continue;
      }
      // No cluster annotation and several clusters: the rows of every cluster that runs it, like
      // the Kubernetes plugin shows an unannotated entity's workloads from all clusters.
      const found = clusters.filter(c => {
        const read = clusterReads.get(c);
        return read?.ok && runsOn(read.snapshot, target);
      });
      const down = clusters.filter(c => !clusterReads.get(c)?.ok);
      for (const cluster of found) {
        rows.push(await this.#row(placement, cluster, clusterReads, context));
      }
      if (found.length === 0) {
        rows.push(
          this.#unplacedRow(
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
        );
      }
    }
    rows.sort(
      (a, b) =>
        a.entityRef.localeCompare(b.entityRef) ||
        (a.cluster ?? '').localeCompare(b.cluster ?? ''),
    );

    const clusters: FleetCluster[] = [...clusterReads].map(([name, read]) =>
      read.ok
        ? {
            name: read.snapshot.cluster,
            status: 'ok',
            readAt: read.snapshot.readAt.toISOString(),
          }
        : {
            name: name ?? 'default',
            status: read.unknownCluster ? 'unknown' : 'unavailable',
            error: read.error,
          },
    );
    // A stable order, whichever cluster answered first.
    clusters.sort((a, b) => a.name.localeCompare(b.name));
    return {
      rows,
      clusters,
      partial: clusters.some(c => c.status === 'unavailable'),
      warnings: [
        ...traffic.warnings,
        ...(insights.warning ? [insights.warning] : []),
      ],
      generatedAt: new Date().toISOString(),
    };
  }

  /**
   * `POST /fleet/scale-down`: scales the idle color of each entity through the same path as
   * `POST …/scale` (permission per entity, history, audit), at most four at a time; one result
   * per entity, in the order asked.
   */
  async scaleDown(
    request: FleetScaleDownRequest,
    caller: Caller,
  ): Promise<FleetScaleDownResponse> {
    const replicas = request.replicas ?? 0;
    // The idle color is the one the caller saw; `scale` re-reads the cluster and refuses if that
    // color has become live since.
    const fleet = await this.getFleet(caller, { refresh: true });
    const touched = new Set<string>();
    const results = await mapLimit(
      request.entityRefs,
      4,
      async (entityRef): Promise<FleetScaleDownResult> => {
        let ref;
        try {
          ref = parseEntityRef(entityRef);
        } catch {
          return {
            entityRef,
            outcome: 'failed',
            message: `"${entityRef}" is not an entity ref like component:default/my-app`,
          };
        }
        const normalized = stringifyEntityRef(ref);
        const rows = fleet.rows.filter(r => r.entityRef === normalized);
        const result = { entityRef };
        if (rows.length === 0) {
          return {
            ...result,
            outcome: 'failed',
            message: `${normalized} is not a blue/green entity you can see`,
          };
        }
        if (rows.length > 1) {
          return {
            ...result,
            outcome: 'refused',
            message: `${normalized} runs on clusters ${rows
              .map(r => r.cluster)
              .join(
                ', ',
              )}; add annotation backstage.io/kubernetes-cluster to say which one to scale`,
          };
        }
        const [row] = rows;
        if (!row.idle) {
          return {
            ...result,
            outcome: 'skipped',
            message:
              row.live === 'unknown'
                ? `cluster ${row.cluster} is unavailable`
                : `no single color is live (${row.live}), so no color is idle`,
          };
        }
        const color = row.idle.color;
        if (row.idle.replicas <= replicas) {
          return {
            ...result,
            outcome: 'skipped',
            color,
            replicas: row.idle.replicas,
            message: `${color} already runs ${row.idle.replicas} replica(s)`,
          };
        }
        try {
          await this.#blueGreen.scale(
            ref,
            {
              color,
              replicas,
              reason:
                request.reason ?? 'fleet: scale down the idle color (cost)',
            },
            caller,
          );
          if (row.cluster) touched.add(row.cluster);
          return { ...result, outcome: 'scaled', color, replicas };
        } catch (error) {
          let outcome: FleetScaleDownResult['outcome'] = 'failed';
          if (error instanceof NotAllowedError) outcome = 'denied';
          else if (
            error instanceof ConflictError ||
            error instanceof InputError
          ) {
            outcome = 'refused';
          } else if (error instanceof NotFoundError) outcome = 'failed';
          return { ...result, outcome, color, message: message(error) };
        }
      },
    );
    for (const cluster of touched) this.invalidate(cluster);
    return { results };
  }

  /** Drops the cached lists of a cluster (after a change made through the plugin). */
  invalidate(cluster: string): void {
    for (const key of this.#cache.keys()) {
      if (key.split('|')[0] === cluster) this.#cache.delete(key);
    }
  }

  /** The blue/green entities the caller may read, and rows for those whose annotations are wrong. */
  async #entities(credentials: BackstageCredentials) {
    const { items } = await this.#catalog.getEntities(
      {
        // Read access follows catalog read access: the catalog filters with the caller's rights.
        filter: {
          [`metadata.annotations.${BLUE_GREEN_ANNOTATIONS.strategy}`]: [
            ...BLUE_GREEN_STRATEGIES,
          ],
        },
        fields: [
          'kind',
          'metadata.name',
          'metadata.namespace',
          'metadata.title',
          'metadata.annotations',
          'relations',
        ],
      },
      { credentials },
    );
    const entities = new Map<string, Placement>();
    const problems: FleetRow[] = [];
    for (const entity of items) {
      const entityRef = stringifyEntityRef(entity);
      const resolved = resolveBlueGreenTarget(entity);
      if (resolved.ok) {
        entities.set(entityRef, {
          entity,
          entityRef,
          target: resolved.target,
        });
      } else {
        problems.push({
          ...baseRow(entity, entityRef),
          key: entityRef,
          strategy: entity.metadata.annotations?.[
            BLUE_GREEN_ANNOTATIONS.strategy
          ] as BlueGreenStrategy,
          namespace: '',
          live: 'unknown',
          promotable: false,
          status: 'misconfigured',
          problems: resolved.problems,
        });
      }
    }
    return { entities, problems };
  }

  /** A cluster's lists: from the cache while fresh and complete enough, else listed now. */
  async #readCluster(
    cluster: string | undefined,
    strategies: Set<BlueGreenStrategy>,
    credentials: BackstageCredentials,
    refresh: boolean,
  ): Promise<ClusterRead> {
    const name = cluster ?? '';
    const principal = credentials.principal as { userEntityRef?: string };
    // Clusters reached with the plugin's credentials: their lists are the same for every caller.
    const key = (await this.#gateway.readsAreShared(cluster))
      ? `${name}|*`
      : `${name}|${principal.userEntityRef ?? 'service'}`;
    const now = Date.now();
    const cached = this.#cache.get(key);
    const fresh =
      cached &&
      now - cached.at < this.#config.cacheTtlMs &&
      [...strategies].every(s => cached.strategies.has(s));
    // A refresh still shares a read that has not answered yet (two tabs pressing reload).
    if (cached && fresh && (!refresh || !cached.settled)) {
      return cached.read;
    }
    const all = new Set([...strategies, ...(cached?.strategies ?? [])]);
    const previous = cached?.snapshot;
    const read = (async (): Promise<ClusterRead> => {
      let kube;
      try {
        kube = await this.#gateway.client(cluster);
      } catch (error) {
        // An annotation names a cluster that is not configured: the entity's problem, not an outage.
        return {
          ok: false,
          error: message(error),
          unknownCluster: isError(error) && error.name === 'InputError',
        };
      }
      try {
        const snapshot = await withDeadline(
          ClusterSnapshot.read(kube, all, previous),
          this.#config.clusterTimeoutMs,
          `cluster ${kube.cluster}`,
        );
        return { ok: true, snapshot };
      } catch (error) {
        this.#logger.warn(
          `Fleet: cluster ${cluster ?? '(default)'} is unavailable: ${message(
            error,
          )}`,
        );
        return { ok: false, error: message(error) };
      }
    })();
    const entry: CacheEntry = {
      at: now,
      settled: false,
      strategies: all,
      read,
    };
    read.then(result => {
      entry.settled = true;
      if (result.ok) entry.snapshot = result.snapshot;
    });
    this.#cache.set(key, entry);
    // Expired entries go when they are next looked at; keep the map from growing with callers.
    if (this.#cache.size > 200) {
      for (const [k, old] of this.#cache) {
        if (now - old.at >= this.#config.cacheTtlMs) this.#cache.delete(k);
      }
    }
    return read;
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

  /** One entity's row on one cluster, from the cluster's lists. */
  async #row(
    placement: Placement,
    cluster: string | undefined,
    reads: Map<string | undefined, ClusterRead>,
    context: RowContext,
  ): Promise<FleetRow> {
    const read = reads.get(cluster);
    if (!read?.ok) {
      return this.#unplacedRow(
        placement,
        read?.unknownCluster
          ? read.error
          : `cluster ${cluster ?? '(default)'} is unavailable: ${
              read?.error ?? 'not read'
            }`,
        read?.unknownCluster ? 'misconfigured' : 'unavailable',
        context,
        cluster,
      );
    }
    const { target } = placement;
    const handler = STRATEGIES[target.strategy];
    let snapshot: StrategySnapshot;
    try {
      snapshot = await handler.read(read.snapshot, target);
    } catch (error) {
      return this.#unplacedRow(
        placement,
        message(error),
        'misconfigured',
        context,
        read.snapshot.cluster,
      );
    }
    const decisions = decideActions({
      snapshot,
      handler,
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

    const { live } = snapshot;
    let idle: FleetRow['idle'];
    if (live === 'blue' || live === 'green') {
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
    const service =
      snapshot.details.strategy === 'argo-rollouts'
        ? snapshot.details.activeService
        : target.service;
    const row = {
      ...this.#common(placement, context),
      key: `${placement.entityRef}@${read.snapshot.cluster}`,
      cluster: read.snapshot.cluster,
      live,
      colors,
      idle,
      promotable: decisions.promote.allowed,
      traffic: trafficOf(
        context.traffic,
        read.snapshot.cluster,
        target.namespace,
        service,
      ),
      problems: snapshot.problems,
    };
    return { ...row, status: statusOf(row) };
  }

  /** A row whose objects could not be read. */
  #unplacedRow(
    placement: Placement,
    problem: string,
    status: FleetRowStatus,
    context: RowContext,
    cluster?: string,
  ): FleetRow {
    return {
      ...this.#common(placement, context),
      key: `${placement.entityRef}@${cluster ?? ''}`,
      cluster,
      live: 'unknown',
      promotable: false,
      status,
      problems: [problem],
    };
  }

  #common(placement: Placement, context: RowContext) {
    const { entity, entityRef, target } = placement;
    const insights = context.insights;
    const watch = insights?.watch;
    return {
      ...baseRow(entity, entityRef),
      strategy: target.strategy,
      namespace: target.namespace,
      lastSwitch: pick(context.lastSwitch, SWITCH_FIELDS),
      inProgress: pick(context.inProgress, [
        'action',
        'actor',
        'createdAt',
      ] as const),
      preDeploy: insights?.preDeploy,
      watch: watch && {
        state: watch.state,
        promotedTo: watch.promotedTo,
        previous: watch.previous,
        startedAt: watch.startedAt,
        endsAt: watch.endsAt,
        autoRollback: watch.autoRollback,
      },
      firing: insights?.firing,
    };
  }
}

type RowContext = {
  lastSwitch?: HistoryEntry;
  inProgress?: HistoryEntry;
  insights?: FleetEntityInsights;
  traffic: TrafficIndex;
};

function baseRow(entity: Entity, entityRef: string) {
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

/** Whether a cluster's lists hold the object an entity's strategy switches. */
function runsOn(snapshot: ClusterSnapshot, target: BlueGreenTarget): boolean {
  switch (target.strategy) {
    case 'argo-rollouts':
      return snapshot.has(
        KUBE_RESOURCES.rollouts,
        target.namespace,
        target.rollout!,
      );
    case 'istio':
      return snapshot.has(
        KUBE_RESOURCES.virtualServices,
        target.namespace,
        target.virtualService!,
      );
    default:
      return snapshot.has(
        KUBE_RESOURCES.services,
        target.namespace,
        target.service,
      );
  }
}

/** The one status a row is filtered by: what needs attention first. */
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
  > & { firing?: string[] },
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
      row.promotable &&
      idle &&
      idle.replicas.desired > 0 &&
      idle.version !== live?.version
    ) {
      return 'waiting';
    }
  }
  return 'stable';
}
