/**
 * Requests to a Service that is a VirtualService host are routed like a sidecar would.
 */
import { startSandbox, Sandbox } from '../sandbox';
import { FIXTURES_DIR } from '../scenarios';
import { api, httpGet, kubectl, waitFor } from '../testing/helpers';

jest.setTimeout(60000);

const VS =
  '/apis/networking.istio.io/v1/namespaces/istio-demo/virtualservices/my-app';

describe('Istio routing', () => {
  let sandbox: Sandbox;
  let url: string;
  beforeAll(async () => {
    sandbox = await startSandbox({
      scenario: 'seeds',
      podReadyDelayMs: 200,
      traffic: false,
    });
    await sandbox.settled(20000);
    url = sandbox.serviceUrl('istio-demo', 'my-app')!;
  });
  afterAll(() => sandbox.stop());

  const tally = async (n: number, headers: Record<string, string> = {}) => {
    const out: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const t = (await httpGet(url, headers)).text.trim();
      out[t] = (out[t] ?? 0) + 1;
    }
    return out;
  };

  it('sends x-canary: true to green and everything else to blue (weights 100/0)', async () => {
    expect(await tally(10)).toEqual({ 'Hello from my-app v1.0.0': 10 });
    expect(await tally(5, { 'x-canary': 'true' })).toEqual({
      'Hello from my-app v1.1.0': 5,
    });
  });

  it('follows weights changed through the v1beta1 API with a JSON patch', async () => {
    const r = await api(
      sandbox,
      'PATCH',
      VS.replace('/v1/', '/v1beta1/'),
      [
        { op: 'replace', path: '/spec/http/1/route/0/weight', value: 50 },
        { op: 'replace', path: '/spec/http/1/route/1/weight', value: 50 },
      ],
      'application/json-patch+json',
    );
    expect(r.status).toBe(200);
    expect(r.json.apiVersion).toBe('networking.istio.io/v1beta1');
    const t = await tally(200);
    expect(t['Hello from my-app v1.0.0']).toBeGreaterThan(60);
    expect(t['Hello from my-app v1.1.0']).toBeGreaterThan(60);
    await api(
      sandbox,
      'PATCH',
      VS,
      [
        { op: 'replace', path: '/spec/http/1/route/0/weight', value: 0 },
        { op: 'replace', path: '/spec/http/1/route/1/weight', value: 100 },
      ],
      'application/json-patch+json',
    );
    expect(await tally(10)).toEqual({ 'Hello from my-app v1.1.0': 10 });
  });

  it('mirrors traffic to the mirror subset (seed 001 §4.5)', async () => {
    const applied = await kubectl(sandbox, [
      'apply',
      '-n',
      'istio-demo',
      '-f',
      `${FIXTURES_DIR}/seed-001/virtual-service-mirror.yaml`,
    ]);
    expect(applied.stdout).toContain(
      'virtualservice.networking.istio.io/my-app',
    );
    const greenRequests = async () => {
      const pods = (
        await api(
          sandbox,
          'GET',
          '/api/v1/namespaces/istio-demo/pods?labelSelector=color%3Dgreen',
        )
      ).json.items;
      let total = 0;
      for (const p of pods) {
        const m = await api(
          sandbox,
          'GET',
          `/api/v1/namespaces/istio-demo/pods/${p.metadata.name}:8080/proxy/metrics`,
        );
        for (const line of m.text.split('\n'))
          if (line.startsWith('http_requests_total{'))
            total += Number(line.split(' ').pop());
      }
      return total;
    };
    const before = await greenRequests();
    expect(await tally(10)).toEqual({ 'Hello from my-app v1.0.0': 10 });
    await waitFor(
      async () => (await greenRequests()) - before >= 10,
      5000,
      'mirrored requests',
    );
  });
});
