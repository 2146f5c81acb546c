import {
  FLEET_TRAFFIC_QUERIES,
  FleetPrometheus,
  queryFleetTraffic,
  trafficOf,
} from './fleetTraffic';

describe('queryFleetTraffic', () => {
  it('asks each Prometheus twice, whatever the number of clusters and services sharing it', async () => {
    const calls: Array<[string | undefined, string]> = [];
    const prometheus: FleetPrometheus = {
      urlFor: cluster => (cluster === 'east' ? 'http://east' : 'http://main'),
      query: async (cluster, query) => {
        calls.push([cluster, query]);
        type Samples = Array<{ labels: Record<string, string>; value: number }>;
        if (query === FLEET_TRAFFIC_QUERIES.rps) {
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
          return samples;
        }
        return [
          {
            labels: { namespace: 'default', service: 'my-app', color: 'blue' },
            value: 0.5,
          },
        ];
      },
    };
    const { index, warnings } = await queryFleetTraffic(prometheus, [
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
      query: async () => {
        throw new Error(
          'Prometheus at http://prom is unreachable: ECONNREFUSED',
        );
      },
    };
    const { index, warnings } = await queryFleetTraffic(failing, ['sandbox']);
    expect(index.size).toBe(0);
    expect(warnings[0]).toContain('traffic of cluster sandbox is not shown');
    expect((await queryFleetTraffic(undefined, ['sandbox'])).warnings).toEqual(
      [],
    );
  });
});
