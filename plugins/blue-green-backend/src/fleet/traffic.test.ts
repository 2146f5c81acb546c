import { DEFAULT_QUERIES } from '../prometheus/queries';
import {
  fleetTrafficQueries,
  FleetPrometheus,
  queryFleetTraffic,
  trafficOf,
} from './traffic';

const QUERIES = fleetTrafficQueries(DEFAULT_QUERIES);

describe('fleetTrafficQueries', () => {
  it("renders the checks' templates over every Service, by cluster, namespace and service", () => {
    expect(QUERIES.rps).toBe(
      'sum by (cluster, namespace, service) (rate(http_requests_total{ service!="" }[2m]))',
    );
    expect(QUERIES.errorRatio).toContain(
      'sum by (cluster, namespace, service) (rate(http_requests_total{ service!="",status=~"5.." }[2m]))',
    );
    const custom = fleetTrafficQueries({
      ...DEFAULT_QUERIES,
      requestRate:
        'sum by ({{group}}) (rate(istio_requests_total{ {{selector}} }[{{window}}]))',
    });
    expect(custom.rps).toBe(
      'sum by (cluster, namespace, service) (rate(istio_requests_total{ service!="" }[2m]))',
    );
  });
});

describe('queryFleetTraffic', () => {
  it('asks each Prometheus twice, whatever the number of clusters and services sharing it', async () => {
    const calls: Array<[string | undefined, string]> = [];
    const prometheus: FleetPrometheus = {
      urlFor: cluster => (cluster === 'east' ? 'http://east' : 'http://main'),
      queryEach: async (cluster, query, each) => {
        calls.push([cluster, query]);
        type Samples = Array<{ labels: Record<string, string>; value: number }>;
        if (query === QUERIES.rps) {
          const samples: Samples = [
            {
              labels: {
                namespace: 'default',
                service: 'my-app',
                color: 'blue',
              },
              value: 9,
            },
            {
              labels: {
                namespace: 'default',
                service: 'my-app',
                color: 'green',
              },
              value: 1,
            },
            {
              labels: {
                cluster: 'west',
                namespace: 'shop',
                service: 'cart',
                color: 'blue',
              },
              value: 5,
            },
          ];
          samples.forEach(x => each(x.labels, x.value));
          return;
        }
        // The 5xx ratio of each service over both colors, as the errorRatio template computes it.
        const ratios: Samples = [
          {
            labels: { namespace: 'default', service: 'my-app' },
            value: 0.05,
          },
          {
            labels: { cluster: 'west', namespace: 'shop', service: 'cart' },
            value: 0,
          },
        ];
        ratios.forEach(x => each(x.labels, x.value));
      },
    };
    const { index, warnings } = await queryFleetTraffic(prometheus, QUERIES, [
      'west',
      'north',
      'east',
    ]);
    expect(warnings).toEqual([]);
    expect(calls).toHaveLength(4);
    expect(trafficOf(index, 'west', 'default', 'my-app')).toEqual({
      rps: 10,
      errorRatio: 0.05,
    });
    expect(trafficOf(index, 'west', 'shop', 'cart')).toEqual({
      rps: 5,
      errorRatio: 0,
    });
    // A series labelled with another cluster does not count here.
    expect(trafficOf(index, 'north', 'shop', 'cart')).toBeUndefined();
  });

  it('leaves traffic out with a warning when Prometheus fails, and does nothing without one', async () => {
    const failing: FleetPrometheus = {
      urlFor: () => 'http://prom',
      queryEach: async () => {
        throw new Error(
          'Prometheus at http://prom is unreachable: ECONNREFUSED',
        );
      },
    };
    const { index, warnings } = await queryFleetTraffic(failing, QUERIES, [
      'sandbox',
    ]);
    expect(index.size).toBe(0);
    expect(warnings[0]).toContain('traffic of cluster sandbox is not shown');
    expect(
      (await queryFleetTraffic(undefined, QUERIES, ['sandbox'])).warnings,
    ).toEqual([]);
  });

  it('adds up the series with and without a cluster label, weighted by their rate', async () => {
    const prometheus: FleetPrometheus = {
      urlFor: () => 'http://main',
      queryEach: async (_cluster, query, each) => {
        const rps = query === QUERIES.rps;
        each({ namespace: 'shop', service: 'cart' }, rps ? 4 : 0.5);
        each(
          { cluster: 'west', namespace: 'shop', service: 'cart' },
          rps ? 6 : 0,
        );
        // A rate Prometheus could not compute: the service is there, without traffic.
        each({ namespace: 'shop', service: 'idle' }, NaN);
      },
    };
    const { index } = await queryFleetTraffic(prometheus, QUERIES, [
      'west',
      'east',
    ]);
    expect(trafficOf(index, 'west', 'shop', 'cart')).toEqual({
      rps: 10,
      errorRatio: 0.2,
    });
    expect(trafficOf(index, 'east', 'shop', 'cart')).toEqual({
      rps: 4,
      errorRatio: 0.5,
    });
    expect(trafficOf(index, 'east', 'shop', 'idle')).toEqual({
      rps: 0,
      errorRatio: undefined,
    });
    expect(trafficOf(index, 'east', 'shop', 'none')).toBeUndefined();
  });
});
