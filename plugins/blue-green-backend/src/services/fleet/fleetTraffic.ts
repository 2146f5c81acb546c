import { FleetTraffic } from '@bluegreen-backstage/plugin-blue-green-common';

/**
 * The fleet's two Prometheus queries: request and 5xx rates of every Service by color, one instant
 * query each per Prometheus — the cost does not grow with the number of services. Series carrying
 * a `cluster` label (one Prometheus behind several clusters, e.g. through external labels) count
 * for that cluster only.
 */
export const FLEET_TRAFFIC_QUERIES = {
  rps: 'sum by (cluster, namespace, service, color) (rate(http_requests_total{service!=""}[2m]))',
  errors:
    'sum by (cluster, namespace, service, color) (rate(http_requests_total{service!="",status=~"5.."}[2m]))',
} as const;

/** What the fleet needs of the plugin's Prometheus client (`checks/prometheus.ts`). */
export type FleetPrometheus = {
  /** The Prometheus holding a cluster's metrics, if one is configured. */
  urlFor(cluster: string | undefined): string | undefined;
  query(
    cluster: string | undefined,
    query: string,
  ): Promise<Array<{ labels: Record<string, string>; value: number }>>;
};

type Sample = { cluster?: string; rps: number; errors: number };

/** Traffic by `namespace/service`, per Prometheus; look a row's up with {@link trafficOf}. */
export type TrafficIndex = Map<string | undefined, Map<string, Sample[]>>;

/**
 * Runs both queries once per Prometheus the clusters use (clusters sharing one Prometheus share
 * the answer). A Prometheus that fails leaves its clusters without traffic and adds a warning.
 */
export async function queryFleetTraffic(
  prometheus: FleetPrometheus | undefined,
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
        const [rps, errors] = await Promise.all([
          prometheus.query(group[0], FLEET_TRAFFIC_QUERIES.rps),
          prometheus.query(group[0], FLEET_TRAFFIC_QUERIES.errors),
        ]);
        const services = new Map<string, Sample[]>();
        const sampleOf = (labels: Record<string, string>) => {
          const key = `${labels.namespace ?? ''}/${labels.service ?? ''}`;
          const samples = services.get(key) ?? [];
          services.set(key, samples);
          const cluster = labels.cluster || undefined;
          let sample = samples.find(s => s.cluster === cluster);
          if (!sample) {
            sample = { cluster, rps: 0, errors: 0 };
            samples.push(sample);
          }
          return sample;
        };
        const finite = (n: number) => (Number.isFinite(n) ? n : 0);
        for (const s of rps) sampleOf(s.labels).rps += finite(s.value);
        for (const s of errors) sampleOf(s.labels).errors += finite(s.value);
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
  const errors = samples.reduce((n, s) => n + s.errors, 0);
  return { rps, errorRatio: rps > 0 ? errors / rps : undefined };
}
