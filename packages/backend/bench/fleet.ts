/* eslint-disable no-console */
/**
 * Issue 6 benchmark: `GET /api/blue-green/fleet` with 10, 100 and 1,000 generated services in one
 * run. For each size: median and p90 latency of the full build (`?refresh=true`, every cluster
 * listed again) and of a cached call, Kubernetes requests per call (counted by the sandbox) and
 * Prometheus requests per call (counted by a stand-in Prometheus answering one series per service
 * and color), and the backend's RSS after a GC. The sandbox runs in a child process, so its memory
 * is not the backend's. Run: yarn workspace backend bench:fleet
 */
import { ChildProcess, fork } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { kubernetesConfig } from '@bluegreen-backstage/kube-sandbox';
import { writeComponents } from '../src/__testUtils__/fleet';
import { repoRoot, startWorld, users } from '../src/__testUtils__/harness';

const SIZES = (process.env.SIZES ?? '10,100,1000').split(',').map(Number);
const ROUNDS = Number(process.env.ROUNDS ?? 15);
const EXAMPLES = 4; // examples/blue-green/entities.yaml, read by the harness's catalog too

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p90: at(0.9) };
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function rssMb(): number {
  (global as any).gc?.();
  return process.memoryUsage().rss / 2 ** 20;
}

/** The sandbox child: send a message, wait for the answer of the given type. */
function ask(child: ChildProcess, message: object, type: string): Promise<any> {
  return new Promise((resolvePromise, reject) => {
    const onMessage = (m: any) => {
      if (m.type === type) {
        child.off('message', onMessage);
        resolvePromise(m);
      } else if (m.type === 'error') {
        child.off('message', onMessage);
        reject(new Error(m.message));
      }
    };
    child.on('message', onMessage);
    if (Object.keys(message).length) child.send(message);
  });
}

/** A stand-in Prometheus: counts queries, answers one series per service and color. */
async function startPrometheusStandIn(services: () => number) {
  let queries = 0;
  const server = http.createServer((req, res) => {
    queries++;
    req.resume();
    req.on('end', () => {
      const result = [];
      for (let i = 0; i < services(); i++) {
        for (const color of ['blue', 'green']) {
          result.push({
            metric: { namespace: 'default', service: `svc-${i}`, color },
            value: [Date.now() / 1000, color === 'blue' ? '10' : '0'],
          });
        }
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          status: 'success',
          data: { resultType: 'vector', result },
        }),
      );
    });
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    queries: () => queries,
    stop: () => new Promise(r => server.close(r)),
  };
}

async function main() {
  const child = fork(resolve(__dirname, 'fleetSandbox.ts'), [], {
    execArgv: ['-r', '@backstage/cli-node/config/nodeTransform.cjs'],
  });
  const cluster = await ask(child, {}, 'ready');
  let services = 0;
  const prometheus = await startPrometheusStandIn(() => services);
  const file = join(mkdtempSync(join(tmpdir(), 'fleet-bench-')), 'bench.yaml');
  writeComponents(file, []);

  const world = await startWorld({
    database: 'sqlite',
    config: {
      kubernetes: kubernetesConfig({ bench: cluster }),
      catalog: {
        rules: [{ allow: ['Component', 'System', 'User', 'Group'] }],
        locations: [
          {
            type: 'file',
            target: resolve(repoRoot, 'examples/blue-green/entities.yaml'),
          },
          { type: 'file', target: resolve(repoRoot, 'examples/org.yaml') },
          { type: 'file', target: file },
        ],
        processingInterval: { seconds: 1 },
      },
      blueGreen: {
        checks: { requiredForPromote: false },
        watch: { enabled: false },
        prometheus: { url: prometheus.url },
      },
    },
  });
  const fleet = async (refresh: boolean) => {
    const res = await world
      .as(users.carol)
      .get(refresh ? '/fleet?refresh=true' : '/fleet');
    if (res.status !== 200) {
      throw new Error(`fleet: ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res.body;
  };
  const baseline = rssMb();
  console.log(
    `backend RSS after start-up: ${baseline.toFixed(0)} MB (${
      (global as any).gc ? 'after GC' : 'no --expose-gc'
    })`,
  );

  const results: Array<Record<string, number>> = [];
  for (const size of SIZES) {
    const grown = Date.now();
    await ask(child, { type: 'grow', services: size }, 'grown');
    services = size;
    writeComponents(
      file,
      Array.from({ length: size }, (_, i) => ({
        name: `svc-${i}`,
        cluster: 'bench',
        owner: 'team-checkout',
      })),
    );
    // Wait until the catalog has ingested every component and the fleet shows them.
    for (;;) {
      const body = await fleet(true);
      const ready = body.rows.filter((r: any) => r.live === 'blue').length;
      if (ready >= size) break;
      if (Date.now() - grown > 600_000) {
        throw new Error(`only ${ready} of ${size} services listed`);
      }
      await new Promise(r => setTimeout(r, 1000));
    }
    const setup = (Date.now() - grown) / 1000;

    // Memory before and after the fleet calls at this size: the difference is the fleet's own
    // (the catalog's growth from ingesting the components happened before).
    const rssBefore = rssMb();
    const heapBefore = process.memoryUsage().heapUsed / 2 ** 20;
    const before = await ask(child, { type: 'count' }, 'count');
    const promBefore = prometheus.queries();
    const full: number[] = [];
    for (let i = 0; i < ROUNDS; i++) full.push(await time(() => fleet(true)));
    const after = await ask(child, { type: 'count' }, 'count');
    const promAfter = prometheus.queries();
    const cached: number[] = [];
    for (let i = 0; i < ROUNDS; i++)
      cached.push(await time(() => fleet(false)));
    const body = await fleet(false);

    const row = {
      services: size,
      rows: body.rows.length,
      p50: stats(full).p50,
      p90: stats(full).p90,
      cachedP50: stats(cached).p50,
      kubePerCall:
        (after.lists + after.other - before.lists - before.other) / ROUNDS,
      kubeGetsPerCall: (after.other - before.other) / ROUNDS,
      promPerCall: (promAfter - promBefore) / ROUNDS,
      rss: rssMb(),
      rssBefore,
      heapDelta: process.memoryUsage().heapUsed / 2 ** 20 - heapBefore,
    };
    results.push(row);
    console.log(
      `${size} services (${row.rows} rows, ready after ${setup.toFixed(
        0,
      )} s): p50 ${row.p50.toFixed(0)} ms, p90 ${row.p90.toFixed(
        0,
      )} ms, cached p50 ${row.cachedP50.toFixed(1)} ms; ${
        row.kubePerCall
      } Kubernetes requests/call (${row.kubeGetsPerCall} not lists), ${
        row.promPerCall
      } Prometheus requests/call; RSS ${row.rss.toFixed(
        0,
      )} MB (${row.rssBefore.toFixed(
        0,
      )} MB before the fleet calls, heap +${row.heapDelta.toFixed(1)} MB)`,
    );
  }

  const first = results[0];
  const last = results[results.length - 1];
  console.log('');
  console.log(
    '| services | /fleet p50 | p90 | cached p50 | Kubernetes req/call | Prometheus req/call | backend RSS |',
  );
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    console.log(
      `| ${r.services} | ${r.p50.toFixed(0)} ms | ${r.p90.toFixed(
        0,
      )} ms | ${r.cachedP50.toFixed(1)} ms | ${r.kubePerCall} | ${
        r.promPerCall
      } | ${r.rss.toFixed(0)} MB |`,
    );
  }
  console.log('');
  console.log(
    `requests independent of N: ${
      results.every(
        r =>
          r.kubePerCall === first.kubePerCall &&
          r.promPerCall === first.promPerCall,
      )
        ? 'yes'
        : 'NO'
    }; p50 at ${last.services}: ${last.p50.toFixed(
      0,
    )} ms (target < 1000); RSS growth ${first.services} -> ${last.services}: ${(
      last.rss - first.rss
    ).toFixed(0)} MB, from start-up: ${(last.rss - baseline).toFixed(
      0,
    )} MB (target < 150)`,
  );
  console.log(
    `the fleet's own share at ${last.services}: RSS ${(
      last.rss - last.rssBefore
    ).toFixed(0)} MB, heap ${last.heapDelta.toFixed(
      1,
    )} MB across its calls (the rest is the catalog ingesting the components)`,
  );

  await world.stop();
  await prometheus.stop();
  await ask(child, { type: 'stop' }, 'never').catch(() => undefined);
}

main()
  .then(() => process.exit(0))
  .catch(error => {
    console.error(error);
    process.exit(1);
  });
