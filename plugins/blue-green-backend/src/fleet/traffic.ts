import { FleetTraffic } from '@bluegreen-backstage/plugin-blue-green-common';
import { renderTemplate } from '../prometheus/promql';
import { QueryTemplates } from '../prometheus/queries';

/**
 * The fleet's two Prometheus queries, rendered from the checks' `requestRate` and `errorRatio`
 * templates (`blueGreen.prometheus.queries`) over every Service at once: grouped by cluster,
 * namespace and service, selecting series with a `service` label. One instant query each per
 * Prometheus — the cost does not grow with the number of services. Series carrying a `cluster`
 * label (one Prometheus behind several clusters) count for that cluster only.
 */
export function fleetTrafficQueries(queries: QueryTemplates) {
  const values = {
    namespace: '',
    selector: 'service!=""',
    podSelector: 'service!=""',
    group: 'cluster, namespace, service',
    window: '2m',
    latencySeconds: '0',
  };
  return {
    rps: renderTemplate(queries.requestRate, values),
    errorRatio: renderTemplate(queries.errorRatio, values),
  };
}

/** What the fleet needs of the plugin's Prometheus client. */
export type FleetPrometheus = {
  /** The Prometheus holding a cluster's metrics, if one is configured. */
  urlFor(cluster: string | undefined): string | undefined;
  /** An instant query: each series' labels and value are handed to `each` as soon as read. */
  queryEach(
    cluster: string | undefined,
    query: string,
    each: (labels: Record<string, string>, value: number) => void,
  ): Promise<void>;
};

/** The fleet's traffic: by cluster, namespace and service, and what could not be read. */
export type FleetTrafficAnswer = { index: TrafficIndex; warnings: string[] };

/**
 * One Prometheus' traffic. Each series (cluster label, namespace, service) has a slot: its rate
 * and 5xx ratio (NaN when unknown) are `rps[slot]` and `errorRatio[slot]`. Slots are found by
 * cluster label ('' for series without one), namespace, then service: no key string per series
 * or lookup, and no object per series.
 */
type Traffic = {
  slots: Map<string, Map<string, Map<string, number>>>;
  rps: number[];
  errorRatio: number[];
};

/** Traffic per cluster (clusters sharing a Prometheus share it); see {@link trafficOf}. */
export type TrafficIndex = Map<string | undefined, Traffic>;

/** A series' slot, added when new. */
function slotOf(traffic: Traffic, labels: Record<string, string>): number {
  const label = labels.cluster ?? '';
  let namespaces = traffic.slots.get(label);
  if (!namespaces) {
    namespaces = new Map();
    traffic.slots.set(label, namespaces);
  }
  const namespace = labels.namespace ?? '';
  let services = namespaces.get(namespace);
  if (!services) {
    services = new Map();
    namespaces.set(namespace, services);
  }
  const service = labels.service ?? '';
  let slot = services.get(service);
  if (slot === undefined) {
    slot = traffic.rps.length;
    services.set(service, slot);
    traffic.rps.push(0);
    traffic.errorRatio.push(NaN);
  }
  return slot;
}

/**
 * Runs both queries once per Prometheus the clusters use (clusters sharing one Prometheus share
 * the answer). A Prometheus that fails leaves its clusters without traffic and adds a warning.
 * Each series goes into the index as it is read: no object per series outlives the answer.
 */
export async function queryFleetTraffic(
  prometheus: FleetPrometheus | undefined,
  queries: { rps: string; errorRatio: string },
  clusters: Array<string | undefined>,
): Promise<FleetTrafficAnswer> {
  const index: TrafficIndex = new Map();
  const warnings: string[] = [];
  if (!prometheus) return { index, warnings };
  const byUrl = new Map<string, Array<string | undefined>>();
  for (const cluster of clusters) {
    const url = prometheus.urlFor(cluster);
    if (url) byUrl.set(url, [...(byUrl.get(url) ?? []), cluster]);
  }
  await Promise.all(
    [...byUrl.values()].map(async group => {
      const traffic: Traffic = { slots: new Map(), rps: [], errorRatio: [] };
      try {
        await Promise.all([
          prometheus.queryEach(group[0], queries.rps, (labels, value) => {
            const slot = slotOf(traffic, labels);
            if (Number.isFinite(value)) traffic.rps[slot] += value;
          }),
          prometheus.queryEach(
            group[0],
            queries.errorRatio,
            (labels, value) => {
              traffic.errorRatio[slotOf(traffic, labels)] = value;
            },
          ),
        ]);
        for (const cluster of group) index.set(cluster, traffic);
      } catch (error) {
        warnings.push(
          `traffic of cluster ${group.join(', ')} is not shown: ${
            (error as Error).message
          }`,
        );
      }
    }),
  );
  return { index, warnings };
}

const rpsAt = (traffic: Traffic, slot: number | undefined) =>
  slot === undefined ? 0 : traffic.rps[slot];

/** A series' 5xx responses per second (none when its ratio is unknown). */
function errorsAt(traffic: Traffic, slot: number | undefined) {
  if (slot === undefined) return 0;
  const ratio = traffic.errorRatio[slot];
  return (Number.isFinite(ratio) ? ratio : 0) * traffic.rps[slot];
}

/** A Service's traffic over both colors, on one cluster. */
export function trafficOf(
  index: TrafficIndex,
  cluster: string | undefined,
  namespace: string,
  service: string,
): FleetTraffic | undefined {
  const traffic = index.get(cluster);
  if (!traffic) return undefined;
  // Series without a cluster label, and those labelled with this cluster; weighted by rps when
  // a Prometheus holds several.
  const unlabelled = traffic.slots.get('')?.get(namespace)?.get(service);
  const labelled = cluster
    ? traffic.slots.get(cluster)?.get(namespace)?.get(service)
    : undefined;
  if (unlabelled === undefined && labelled === undefined) return undefined;
  const rps = rpsAt(traffic, unlabelled) + rpsAt(traffic, labelled);
  const errors = errorsAt(traffic, unlabelled) + errorsAt(traffic, labelled);
  return { rps, errorRatio: rps > 0 ? errors / rps : undefined };
}
