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

/** Traffic by `namespace/service`, per Prometheus; look a row's up with {@link trafficOf}. */
export type TrafficIndex = Map<string | undefined, Map<string, Sample[]>>;

const finite = (n: number) => (Number.isFinite(n) ? n : undefined);

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
        const services = new Map<string, Sample[]>();
        const sampleOf = (labels: Record<string, string>) => {
          const key = `${labels.namespace ?? ''}/${labels.service ?? ''}`;
          const samples = services.get(key) ?? [];
          services.set(key, samples);
          const cluster = labels.cluster || undefined;
          let sample = samples.find(s => s.cluster === cluster);
          if (!sample) {
            sample = { cluster, rps: 0 };
            samples.push(sample);
          }
          return sample;
        };
        for (const s of rps) sampleOf(s.labels).rps += finite(s.value) ?? 0;
        for (const s of errorRatios) {
          sampleOf(s.labels).errorRatio = finite(s.value);
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
  const samples = (
    index.get(cluster)?.get(`${namespace}/${service}`) ?? []
  ).filter(s => s.cluster === undefined || s.cluster === cluster);
  if (samples.length === 0) return undefined;
  const rps = samples.reduce((n, s) => n + s.rps, 0);
  // One sample per cluster label; weighted by rps when a Prometheus holds several.
  const errors = samples.reduce((n, s) => n + (s.errorRatio ?? 0) * s.rps, 0);
  return { rps, errorRatio: rps > 0 ? errors / rps : undefined };
}
