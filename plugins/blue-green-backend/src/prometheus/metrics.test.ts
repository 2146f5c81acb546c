import { ConfigReader } from '@backstage/config';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { readBlueGreenConfig } from '../config';
import { MetricReader, MetricScope } from './metrics';
import { PrometheusClient } from './PrometheusClient';

/** A Prometheus HTTP API answering every instant query with these samples. */
async function prometheusAnswering(samples: Array<[string, string]>) {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          status: 'success',
          data: {
            resultType: 'vector',
            result: samples.map(([color, value]) => ({
              metric: { color },
              value: [Date.now() / 1000, value],
            })),
          },
        }),
      );
    });
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise(r => server.close(r)),
  };
}

const scope: MetricScope = {
  group: 'color',
  colorOf: v => (v === 'blue' || v === 'green' ? v : undefined),
  values: {
    namespace: '"default"',
    selector: 'namespace="default",app="my-app"',
    podSelector: 'namespace="default",label_app="my-app"',
    group: 'color',
    latencySeconds: '0.2',
  },
};

async function read(samples: Array<[string, string]>) {
  const server = await prometheusAnswering(samples);
  try {
    const config = readBlueGreenConfig(
      new ConfigReader({ blueGreen: { prometheus: { url: server.url } } }),
    );
    const metrics = new MetricReader(
      new PrometheusClient(config.prometheus),
      config.queries,
    );
    const readings = await metrics.read(scope, ['requestRate'], {
      window: '1m',
    });
    return readings.requestRate!;
  } finally {
    await server.close();
  }
}

describe('readMetrics', () => {
  it('sums finite values per color', async () => {
    const reading = await read([
      ['blue', '4'],
      ['blue', '1.5'],
      ['green', '0'],
      ['other', '99'],
    ]);
    expect(reading.values).toEqual({ blue: 5.5, green: 0 });
    expect(reading.error).toBeUndefined();
  });

  it('leaves a color whose values are NaN without a value (unknown)', async () => {
    const reading = await read([
      ['blue', '2'],
      ['green', 'NaN'],
    ]);
    expect(reading.values).toEqual({ blue: 2 });
    expect(reading.error).toBeUndefined();
  });

  it('says so when every value is NaN or infinite, instead of reading it as no series', async () => {
    const reading = await read([
      ['blue', 'NaN'],
      ['green', '+Inf'],
    ]);
    expect(reading.values).toEqual({});
    expect(reading.error).toBe(
      'Prometheus answered only NaN or infinite values (2 series)',
    );
  });
});
