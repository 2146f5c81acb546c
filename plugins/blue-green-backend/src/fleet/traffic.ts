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
  query(
    cluster: string | undefined,
    query: string,
  ): Promise<Array<{ labels: Record<string, string>; value: number }>>;
};

type Sample = { cluster?: string; rps: number; errorRatio?: number };

/** Samples by namespace, then service (no key string per series or lookup). */
type Services = Map<string, Map<string, Sample[]>>;

/** Traffic by namespace and service, per Prometheus; look a row's up with {@link trafficOf}. */
export type TrafficIndex = Map<string | undefined, Services>;

const finite = (n: number) => (Number.isFinite(n) ? n : undefined);

/** The sample of a series' namespace, service and cluster label, added when new. */
function sampleOf(services: Services, labels: Record<string, string>) {
  const namespace = labels.namespace ?? '';
  let inNamespace = services.get(namespace);
  if (!inNamespace) {
    inNamespace = new Map();
    services.set(namespace, inNamespace);
  }
  const service = labels.service ?? '';
  let samples = inNamespace.get(service);
  if (!samples) {
    samples = [];
    inNamespace.set(service, samples);
  }
  const cluster = labels.cluster || undefined;
  let sample = samples.find(s => s.cluster === cluster);
  if (!sample) {
    sample = { cluster, rps: 0 };
    samples.push(sample);
  }
  return sample;
}

/**
 * Runs both queries once per Prometheus the clusters use (clusters sharing one Prometheus share
 * the answer). A Prometheus that fails leaves its clusters without traffic and adds a warning.
 */
export async function queryFleetTraffic(
  prometheus: FleetPrometheus | undefined,
  queries: { rps: string; errorRatio: string },
  clusters: Array<string | undefined>,
): Promise<{ index: TrafficIndex; warnings: string[] }> {
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
      try {
        const [rps, errorRatios] = await Promise.all([
          prometheus.query(group[0], queries.rps),
          prometheus.query(group[0], queries.errorRatio),
        ]);
        const services: Services = new Map();
        for (const s of rps) {
          sampleOf(services, s.labels).rps += finite(s.value) ?? 0;
        }
        for (const s of errorRatios) {
          sampleOf(services, s.labels).errorRatio = finite(s.value);
        }
        for (const cluster of group) index.set(cluster, services);
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

/** A Service's traffic over both colors, on one cluster. */
export function trafficOf(
  index: TrafficIndex,
  cluster: string | undefined,
  namespace: string,
  service: string,
): FleetTraffic | undefined {
  const samples = index.get(cluster)?.get(namespace)?.get(service);
  // One sample per cluster label; weighted by rps when a Prometheus holds several.
  let rps = 0;
  let errors = 0;
  let found = false;
  for (const s of samples ?? []) {
    if (s.cluster !== undefined && s.cluster !== cluster) continue;
    found = true;
    rps += s.rps;
    errors += (s.errorRatio ?? 0) * s.rps;
  }
  if (!found) return undefined;
  return { rps, errorRatio: rps > 0 ? errors / rps : undefined };
}
