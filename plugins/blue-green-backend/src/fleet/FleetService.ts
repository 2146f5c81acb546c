import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { isError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  BLUE_GREEN_ANNOTATIONS,
  FleetCluster,
  FleetResponse,
  FleetRow,
  resolveBlueGreenTarget,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  KubernetesGateway,
  SwitchStrategy,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { HistoryStore } from '../database/HistoryStore';
import { StrategyRegistry } from '../strategies/StrategyRegistry';
import { ClusterCache, ClusterRead } from './ClusterCache';
import { FleetInsights } from './insights';
import {
  baseRow,
  FleetEntityInsights,
  Placement,
  RowContext,
  rowOf,
  unplacedRow,
} from './rows';
import { FleetPrometheus, queryFleetTraffic } from './traffic';

const message = (error: unknown) =>
  isError(error) ? error.message : String(error);

/**
 * The fleet page: every blue/green service the caller can see in the catalog, across clusters.
 *
 * Built from one set of list calls per cluster (cached briefly, see {@link ClusterCache}), two
 * Prometheus queries, two history queries and the stored checklist insights — never one request
 * per entity. Each entity's row comes from the same strategy `read()` and `decideActions()` as
 * its tab, run on the listed objects. A cluster that fails or is slow marks its rows unavailable;
 * the rest of the fleet is served.
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
  }) {
    this.#catalog = options.catalog;
    this.#gateway = options.gateway;
    this.#history = options.history;
    this.#strategies = options.strategies;
    this.#clusters = options.clusters;
    this.#insights = options.insights;
    this.#traffic = options.traffic;
  }

  /** `GET /fleet` */
  async getFleet(
    caller: { credentials: BackstageCredentials },
    options: { refresh?: boolean } = {},
  ): Promise<FleetResponse> {
    const { entities, problems } = await this.#entities(caller.credentials);

    // Which clusters to list, and which strategies' kinds each needs.
    const known = await this.#gateway.clusterNames();
    const unannotated = [...entities.values()].some(p => !p.target.cluster);
    const searchAll = unannotated && known.length > 1;
    const clustersOf = (placement: Placement): Array<string | undefined> => {
      if (placement.target.cluster) return [placement.target.cluster];
      return searchAll ? known : [known[0]];
    };
    const byCluster = new Map<string | undefined, Set<SwitchStrategy>>();
    for (const placement of entities.values()) {
      const strategy = this.#strategies.get(placement.target.strategy);
      for (const cluster of clustersOf(placement)) {
        const set = byCluster.get(cluster) ?? new Set();
        set.add(strategy);
        byCluster.set(cluster, set);
      }
    }

    const refs = [...entities.keys()];
    const [reads, facts, traffic, insights] = await Promise.all([
      Promise.all(
        [...byCluster].map(
          async ([cluster, strategies]) =>
            [
              cluster,
              await this.#clusters.read(
                cluster,
                [...strategies],
                caller.credentials,
                Boolean(options.refresh),
              ),
            ] as const,
        ),
      ),
      this.#history.fleetFacts(),
      queryFleetTraffic(
        this.#traffic?.prometheus,
        this.#traffic?.queries ?? { rps: '', errorRatio: '' },
        [...byCluster.keys()],
      ),
      this.#insightsFor(refs, caller.credentials),
    ]);
    const clusterReads = new Map(reads);

    const rows: FleetRow[] = [...problems];
    for (const placement of entities.values()) {
      const context: RowContext = {
        lastSwitch: facts.lastSwitches.get(placement.entityRef),
        inProgress: facts.inProgress.get(placement.entityRef),
        insights: insights.values.get(placement.entityRef),
        traffic: traffic.index,
      };
      rows.push(
        ...(await this.#rowsOf(
          placement,
          clustersOf(placement),
          searchAll && !placement.target.cluster,
          clusterReads,
          context,
        )),
      );
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

  /** Drops the cached lists of a cluster (after a change made through the plugin). */
  invalidate(cluster: string): void {
    this.#clusters.invalidate(cluster);
  }

  /**
   * An entity's rows. Without a cluster annotation and with several clusters: the rows of every
   * cluster that runs it, like the Kubernetes plugin shows an unannotated entity's workloads.
   */
  async #rowsOf(
    placement: Placement,
    clusters: Array<string | undefined>,
    search: boolean,
    reads: Map<string | undefined, ClusterRead>,
    context: RowContext,
  ): Promise<FleetRow[]> {
    if (!search) {
      return [await this.#row(placement, clusters[0], reads, context)];
    }
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
        found.map(c => this.#row(placement, c, reads, context)),
      );
    }
    const down = clusters.filter(c => !reads.get(c)?.ok);
    return [
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
    ];
  }

  /** The blue/green entities the caller may read, and rows for those whose annotations are wrong. */
  async #entities(credentials: BackstageCredentials) {
    const strategies = this.#strategies.names();
    const { items } = await this.#catalog.getEntities(
      {
        // Read access follows catalog read access: the catalog filters with the caller's rights.
        filter: {
          [`metadata.annotations.${BLUE_GREEN_ANNOTATIONS.strategy}`]:
            strategies,
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
      const resolved = resolveBlueGreenTarget(entity, { strategies });
      if (resolved.ok) {
        entities.set(entityRef, { entity, entityRef, target: resolved.target });
      } else {
        problems.push({
          ...baseRow(entity, entityRef),
          key: entityRef,
          strategy:
            entity.metadata.annotations?.[BLUE_GREEN_ANNOTATIONS.strategy] ??
            '',
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
      return unplacedRow(
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
    const strategy = this.#strategies.get(placement.target.strategy);
    try {
      const snapshot = await strategy.read(read.snapshot, placement.target);
      return rowOf(
        placement,
        strategy,
        snapshot,
        read.snapshot.cluster,
        context,
      );
    } catch (error) {
      return unplacedRow(
        placement,
        message(error),
        'misconfigured',
        context,
        read.snapshot.cluster,
      );
    }
  }
}
