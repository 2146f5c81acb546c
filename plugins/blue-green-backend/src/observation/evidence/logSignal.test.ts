import http from 'node:http';
import { AddressInfo } from 'node:net';
import { KubeClient } from '@bluegreen-backstage/plugin-blue-green-node';
import { snapshot, TARGET } from '../../__testUtils__/snapshots';
import {
  DEFAULT_LOG_PATTERNS,
  DEFAULT_LOKI_QUERY,
  LogSignalSettings,
} from '../../decisions/logSignalSettings';
import { LogSignalReader } from './logSignal';

const NOW = new Date('2025-03-01T12:00:00Z');
const SWITCHED = new Date(NOW.getTime() - 90_000);

const pod = (name: string, phase = 'Running') => ({
  metadata: { name },
  spec: { containers: [{ name: 'app' }, { name: 'istio-proxy' }] },
  status: { phase, startTime: '2025-03-01T10:00:00Z' },
});

const SNAPSHOT = snapshot({
  live: 'green',
  raw: {
    templates: {},
    pods: {
      green: [
        pod('my-app-green-a'),
        pod('my-app-green-b'),
        pod('my-app-green-c', 'Pending'),
      ],
      blue: [pod('my-app-blue-a')],
    },
  },
});

const SETTINGS: LogSignalSettings = {
  enabled: true,
  patterns: [...DEFAULT_LOG_PATTERNS],
  windowMs: 120_000,
  maxPods: 3,
  tailLines: 500,
  limitBytes: 65_536,
};

const line = (secondsAgo: number, text: string) =>
  `${new Date(NOW.getTime() - secondsAgo * 1000).toISOString()} ${text}\n`;

describe('LogSignalReader, pod logs', () => {
  it("reads the running pods' logs since the switch, and the previous color's before it", async () => {
    const asked: any[] = [];
    const kube = {
      podLog: async (target: any) => {
        asked.push(target);
        if (target.name.startsWith('my-app-green')) {
          return (
            line(200, 'ERROR before the switch: not counted') +
            line(60, 'ERROR boom') +
            line(59, '    at handler (/app/server.js:1:1)') +
            line(30, 'INFO fine')
          );
        }
        return line(100, 'ERROR blue, before the switch') + line(10, 'INFO');
      },
    } as unknown as KubeClient;
    const evidence = await new LogSignalReader(SETTINGS).read(
      kube,
      TARGET,
      SNAPSHOT,
      { color: 'green', switchedAt: SWITCHED, now: NOW },
    );
    // The pending pod is not read; each read is bounded, of the first container, with times.
    expect(asked.map(a => a.name).sort()).toEqual([
      'my-app-blue-a',
      'my-app-green-a',
      'my-app-green-b',
    ]);
    expect(asked.find(a => a.name === 'my-app-green-a')).toEqual({
      namespace: 'default',
      name: 'my-app-green-a',
      container: 'app',
      sinceSeconds: 90,
      tailLines: 500,
      limitBytes: 65_536,
      timestamps: true,
    });
    // The baseline spans 2 minutes before the switch, read back from now.
    expect(asked.find(a => a.name === 'my-app-blue-a').sinceSeconds).toBe(210);
    expect(evidence.current).toMatchObject({
      lines: 4,
      pods: 2,
      samples: ['ERROR boom', 'at handler (/app/server.js:1:1)', 'ERROR boom'],
    });
    expect(evidence.current.podMinutes).toBeCloseTo(3);
    expect(evidence.current.source).toBe(
      'kubectl logs -n default my-app-green-a -c app --since=90s --tail=500 --limit-bytes=65536 --timestamps (and 1 more pods)',
    );
    expect(evidence.baseline).toMatchObject({ lines: 1, pods: 1 });
    expect(evidence.baseline!.podMinutes).toBeCloseTo(2);
  });

  it('is an error, with the refusal, when no pod could be read; one pod read is enough', async () => {
    const refusal = new Error(
      'cluster c: get pods/log my-app-green-a: pods "my-app-green-a" is forbidden',
    );
    const denied = {
      podLog: async () => {
        throw refusal;
      },
    } as unknown as KubeClient;
    const evidence = await new LogSignalReader(SETTINGS).read(
      denied,
      TARGET,
      SNAPSHOT,
      { color: 'green', now: NOW },
    );
    expect(evidence.current.error).toMatch(
      /^could not read the logs of my-app-green-.: cluster c: get pods\/log .* is forbidden$/,
    );
    const oneGone = {
      podLog: async (target: any) => {
        if (target.name === 'my-app-green-b') throw new Error('not found');
        return line(30, 'ERROR x');
      },
    } as unknown as KubeClient;
    const partly = await new LogSignalReader(SETTINGS).read(
      oneGone,
      TARGET,
      SNAPSHOT,
      { color: 'green', now: NOW },
    );
    expect(partly.current).toMatchObject({ lines: 1, pods: 1 });
    expect(partly.current.error).toBeUndefined();
  });
});

describe('LogSignalReader, Loki', () => {
  let server: http.Server;
  let baseUrl: string;
  const requests: URL[] = [];
  let answer: (url: URL) => { status: number; body: unknown } = () => ({
    status: 200,
    body: {
      status: 'success',
      data: {
        resultType: 'vector',
        result: [{ metric: {}, value: [NOW.getTime() / 1000, '36'] }],
      },
    },
  });

  beforeAll(async () => {
    // Loki's query API as far as the reader uses it: GET /loki/api/v1/query.
    server = http.createServer((req, res) => {
      const url = new URL(req.url!, 'http://loki');
      requests.push(url);
      const { status, body } = answer(url);
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise(r => server.close(r)));

  const reader = () =>
    new LogSignalReader({
      ...SETTINGS,
      patterns: ['ERROR', '"level":"error"'],
      loki: {
        baseUrl,
        query: DEFAULT_LOKI_QUERY,
        headers: { 'X-Scope-OrgID': 'platform' },
        timeoutMs: 2000,
      },
    });
  const noKube = {} as KubeClient;

  it('asks one escaped LogQL count per color: now since the switch, the previous color at the switch', async () => {
    requests.length = 0;
    const evidence = await reader().read(
      noKube,
      { ...TARGET, namespace: 'shop"x' },
      SNAPSHOT,
      { color: 'green', switchedAt: SWITCHED, now: NOW },
    );
    const green = requests.find(r =>
      r.searchParams.get('query')!.includes('green'),
    )!;
    expect(green.pathname).toBe('/loki/api/v1/query');
    expect(green.searchParams.get('query')).toBe(
      'sum(count_over_time({namespace="shop\\"x", pod=~"my-app-green-a|my-app-green-b"} |~ "(?:ERROR)|(?:\\"level\\":\\"error\\")" [90s]))',
    );
    expect(green.searchParams.get('time')).toBe(`${NOW.getTime()}000000`);
    const blue = requests.find(r =>
      r.searchParams.get('query')!.includes('blue'),
    )!;
    expect(blue.searchParams.get('query')).toContain('[120s]');
    expect(blue.searchParams.get('time')).toBe(`${SWITCHED.getTime()}000000`);
    // 36 lines over 2 pods × 1.5 min.
    expect(evidence.current).toMatchObject({
      lines: 36,
      pods: 2,
      podMinutes: 3,
    });
    expect(evidence.current.source).toMatch(
      /^LogQL at 2025-03-01T12:00:00.000Z: sum\(/,
    );
  });

  it("is an error with Loki's answer when Loki refuses the query", async () => {
    answer = () => ({
      status: 400,
      body: { status: 'error', error: 'parse error at line 1' },
    });
    const evidence = await reader().read(noKube, TARGET, SNAPSHOT, {
      color: 'green',
      now: NOW,
    });
    expect(evidence.current.error).toBe(
      `Loki at ${baseUrl} answered 400: parse error at line 1`,
    );
  });
});
