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
      queryLater: async (cluster, query) => {
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
          return each => samples.forEach(x => each(x.labels, x.value));
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
        return each => ratios.forEach(x => each(x.labels, x.value));
      },
    };
    const read = await queryFleetTraffic(prometheus, QUERIES, [
      'west',
      'north',
      'east',
    ]);
    const { index, warnings } = read();
    // Made once: asking again answers the same index.
    expect(read().index).toBe(index);
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
      queryLater: async () => {
        throw new Error(
          'Prometheus at http://prom is unreachable: ECONNREFUSED',
        );
      },
    };
    const { index, warnings } = (
      await queryFleetTraffic(failing, QUERIES, ['sandbox'])
    )();
    expect(index.size).toBe(0);
    expect(warnings[0]).toContain('traffic of cluster sandbox is not shown');
    expect(
      (await queryFleetTraffic(undefined, QUERIES, ['sandbox']))().warnings,
    ).toEqual([]);
  });

  it('parses the answers only when the index is asked for, and warns when one cannot be parsed', async () => {
    let parsed = 0;
    const prometheus: FleetPrometheus = {
      urlFor: cluster => (cluster === 'east' ? 'http://east' : 'http://main'),
      queryLater: async cluster => each => {
        parsed++;
        if (cluster === 'east') {
          throw new Error('Prometheus at http://east answered 200');
        }
        each({ namespace: 'default', service: 'my-app' }, 2);
      },
    };
    const read = await queryFleetTraffic(prometheus, QUERIES, ['west', 'east']);
    expect(parsed).toBe(0);
    const { index, warnings } = read();
    expect(trafficOf(index, 'west', 'default', 'my-app')?.rps).toBe(2);
    expect(index.has('east')).toBe(false);
    expect(warnings).toEqual([
      'traffic of cluster east is not shown: Prometheus at http://east answered 200',
    ]);
  });
});
