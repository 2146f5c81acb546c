/* eslint-disable no-console */
/**
 * `GET /api/blue-green/fleet` with 1,000 and 10,000 generated services over 10 sandbox clusters
 * (`bench-0` … `bench-9`, namespaces of 50 services) in one run. For each size: median and p90
 * latency of a refresh (`?refresh=true`) and of a cached call,
 * Kubernetes requests per call (counted by the sandboxes), Prometheus requests per call (counted
 * by a stand-in Prometheus answering one series per service and color), and memory. Each size's
 * answer is kept for the page benchmark (packages/app/e2e-tests/bench/fleet.bench.ts).
 *
 * Memory is measured on two backends, each in its own process (`fleetBackend.ts`), both reading
 * the same catalog file and the same clusters (`fleetSandbox.ts`, a third process): one serves the
 * fleet calls, the other never does. Both open one service's tab before the measured calls (which
 * loads the plugin's Kubernetes client and strategies). The second one's RSS is what Backstage and
 * the plugin without its fleet cost with that catalog; the difference is the fleet's share. Both
 * are printed, with the raw RSS. Node keeps freed V8 heap pages mapped until its memory reducer
 * runs when the process is idle, so an RSS read right after a burst of work reflects the burst's
 * peak heap. The catalogs' ingestion leaves such pages in both backends, so before the measured
 * calls (after SETTLE_SECONDS without calls) both give them back and their RSS is read; then right
 * after the calls and again after IDLE_SECONDS without calls.
 * Each backend's peak RSS (maxRSS) is printed too: a high-water mark, which the timing of V8's
 * memory reducer does not move (it is often the catalog's ingestion), and the highest RSS during
 * the measured calls, sampled every 25 ms in both backends over the same seconds.
 *
 * The clusters are sandboxes in scale mode (no listeners, traffic, events or periodic probes), so
 * that 10,000 services cost no CPU once created. The catalogs re-process entities hourly (see
 * PROCESSING_SECONDS); the benchmark refreshes the location to have new components read at once.
 *
 * The measured backend keeps the clusters' lists current with watches (`fleet.watch`, the default):
 * its refresh asks each cluster for one item. The baseline is the other backend, whose fleet lists
 * every cluster on each refresh (`fleet.watch: false`): after the memory readings, ROUNDS refresh
 * calls are timed there too, and the ratio of the two medians is printed.
 *
 * Figures and what they mean: docs/benchmarks.md.
 *
 * With PROFILE=<folder>, the measured backend samples what it allocates during the refresh calls
 * (including objects collected since) and the benchmark prints the largest allocators, by the
 * nearest frame of our code; the profile is written to `<folder>/fleet-<services>.heapprofile`.
 * With PROFILE_PROMOTED=1 as well, only what outlived the young generation is sampled: what makes
 * the old generation grow between full collections.
 *
 * With CPU_PROFILE=<folder>, after the idle reading, ROUNDS more refresh calls run under V8's CPU
 * profiler in the measured backend (not the timed ones: the profiler slows them) and the benchmark
 * prints where their time went, per call, by the nearest frame of our code (`(idle)` is time spent
 * waiting for the clusters and Prometheus; SQLite runs in the process); the profile is written to
 * `<folder>/fleet-<services>.cpuprofile`.
 *
 * With CATALOG_DIR=<folder> and one size in SIZES, the catalog file and both backends' SQLite
 * databases are kept in `<folder>/<size>`: the next run of that size finds the components ingested
 * and skips the 5–12 minutes the catalogs take at 10,000. The clusters are new in every run.
 *
 * With HEAP_SNAPSHOT=<folder>, the measured backend writes a heap snapshot after the idle seconds
 * (`<folder>/fleet-<services>.heapsnapshot`) and the benchmark prints what the fleet's structures
 * kept between calls retain of it and how much is code (`heapHolders.ts`); the backend without
 * fleet calls writes one too (`no-fleet-<services>.heapsnapshot`).
 *
 * Run: yarn workspace backend bench:fleet (SIZES=1000,10000 CLUSTERS=10 ROUNDS=15 IDLE_SECONDS=30
 * SETTLE_SECONDS=10)
 */
import { ChildProcess, fork } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { mockCredentials } from '@backstage/backend-test-utils';
import { heapHolders } from './heapHolders';
import { benchPlacement, writeComponents } from '../src/__testUtils__/fleet';
import { repoRoot, users } from '../src/__testUtils__/harness';

const SIZES = (process.env.SIZES ?? '1000,10000').split(',').map(Number);
const CLUSTERS = Number(process.env.CLUSTERS ?? 10);
const ROUNDS = Number(process.env.ROUNDS ?? 15);
const IDLE_SECONDS = Number(process.env.IDLE_SECONDS ?? 30);
/**
 * Seconds both backends are left without calls before the measured ones (the catalogs' own
 * processing of new entities goes on for a while after they hold them all).
 */
const SETTLE_SECONDS = Number(process.env.SETTLE_SECONDS ?? 10);
const PROFILE = process.env.PROFILE;
const HEAP_SNAPSHOT = process.env.HEAP_SNAPSHOT;
const CPU_PROFILE = process.env.CPU_PROFILE;
/** A kept catalog per size: the catalogs keep the components a file no longer lists (orphans). */
const CATALOG_DIR =
  process.env.CATALOG_DIR && resolve(process.env.CATALOG_DIR, SIZES.join('-'));
if (CATALOG_DIR && SIZES.length > 1) {
  throw new Error('CATALOG_DIR keeps one catalog: give one size in SIZES');
}
/**
 * CATALOG_TIMING=1: after the idle reading, times the fleet's catalog read on the measured
 * backend as carol (median of 5): in pages of 1,000, as the fleet reads it, against one request.
 */
const CATALOG_TIMING = Boolean(process.env.CATALOG_TIMING);
/**
 * TRACE_GC=1: the measured backend prints V8's garbage collections (`--trace-gc`); TRACE_GC=verbose
 * also how far V8 lets the old generation grow before the next full collection
 * (`--trace-gc-verbose`: "[HeapController] factor …").
 */
const TRACE_GC = process.env.TRACE_GC;
/**
 * How often the catalogs process each entity again. At 10,000 components, Backstage's default
 * (100–150 s) asks for ~80 entities a second, more than two shared cores process: the catalogs
 * would still be busy during the measured calls. New entities are processed at once either way.
 * A day: a catalog kept in CATALOG_DIR is not processed again when the next run starts it.
 */
const PROCESSING_SECONDS = Number(
  process.env.CATALOG_PROCESSING_SECONDS ?? 86400,
);
/** Creating the clusters and ingesting the catalogs; ~1 h at 10,000 on a busy machine. */
const SETUP_TIMEOUT_MS = 3 * 3600_000;
/** my-app and test-pod in examples/blue-green/entities.yaml, read by the catalog too. */
const EXAMPLE_SERVICE_SELECTORS = 2;
const HEADER = mockCredentials.user.header(users.carol);
/**
 * Each size's `/fleet` answer is written here (`fleet-<services>.json`): the page benchmark
 * (`yarn workspace app bench`, fleet.bench.ts) renders these answers in Chromium.
 */
const ANSWERS_DIR = join(repoRoot, 'test-results/fleet-bench');

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

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** A child: send a message, wait for the answer of the given type. */
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

const execArgv = ['-r', '@backstage/cli-node/config/nodeTransform.cjs'];

/**
 * The children's temporary files (catalog file, SQLite databases, the clusters' folders) go here,
 * removed at the end.
 */
const dir = mkdtempSync(join(tmpdir(), 'fleet-bench-'));
const childEnv = { ...process.env, TMPDIR: dir };

/** Every child started, so that a failed run leaves none behind. */
const children: ChildProcess[] = [];

/** Asks a child to stop; done when it has exited (it answers nothing). */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise(resolvePromise => {
    child.once('exit', () => resolvePromise());
    child.send({ type: 'stop' });
  });
}

type Memory = {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  peak: number;
  /** The highest RSS since the previous `memory()`, sampled every 25 ms. */
  sinceLast: number;
};

/** A backend in its own process (`fleetBackend.ts`), reached over HTTP as user carol. */
async function startBackend(options: object, extraArgv: string[] = []) {
  const child = fork(resolve(__dirname, 'fleetBackend.ts'), [], {
    execArgv: ['--expose-gc', ...extraArgv, ...execArgv],
    env: childEnv,
  });
  children.push(child);
  const ready = ask(child, {}, 'ready');
  child.send(options);
  const { port } = await ready;
  const base = `http://127.0.0.1:${port}`;
  const call = async (path: string, init?: RequestInit) => {
    const send = () =>
      fetch(`${base}${path}`, {
        ...init,
        headers: {
          Authorization: HEADER,
          'Content-Type': 'application/json',
          ...init?.headers,
        },
      });
    // A kept-alive connection the server closed just then: send once more on a new one.
    const res = await send().catch(send);
    const body = await res.json().catch(() => undefined);
    if (!res.ok) {
      throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
    }
    return body;
  };
  return {
    call,
    /** After a full collection; with `release`, after V8 gave back the pages it keeps for reuse. */
    memory: (release = false): Promise<Memory> =>
      ask(child, { type: 'memory', release }, 'memory'),
    heapSnapshot: (file: string) =>
      ask(child, { type: 'heap-snapshot', file }, 'heap-snapshot-written'),
    profileStart: () =>
      ask(child, { type: 'profile-start' }, 'profile-started'),
    profileStop: (file: string) =>
      ask(child, { type: 'profile-stop', file }, 'profile'),
    cpuProfileStart: () =>
      ask(child, { type: 'cpu-profile-start' }, 'cpu-profile-started'),
    cpuProfileStop: (file: string) =>
      ask(child, { type: 'cpu-profile-stop', file }, 'cpu-profile'),
    /** Has the catalog read the bench's file again now, instead of at its next processing. */
    async refreshLocation(file: string) {
      const { items } = await call(
        '/api/catalog/entities/by-query?filter=kind=location&limit=100',
      );
      const location = items.find((e: any) => e.spec?.target === file);
      if (!location) throw new Error(`no location for ${file}`);
      await call('/api/catalog/refresh', {
        method: 'POST',
        body: JSON.stringify({
          entityRef: `location:${location.metadata.namespace}/${location.metadata.name}`,
        }),
      });
    },
    async serviceSelectorComponents(): Promise<number> {
      const body = await call(
        '/api/catalog/entities/by-query?filter=metadata.annotations.blue-green.backstage.io/strategy=service-selector&limit=1',
      );
      return body.totalItems;
    },
    stop: () => stopChild(child),
  };
}

/**
 * A stand-in Prometheus behind every cluster (series carry a `cluster` label): counts queries,
 * answers one series per service, as the fleet's queries ask (summed by cluster, namespace and
 * service).
 */
async function startPrometheusStandIn(services: () => number) {
  let queries = 0;
  const server = http.createServer((req, res) => {
    queries++;
    req.resume();
    req.on('end', () => {
      const result = [];
      for (let i = 0; i < services(); i++) {
        const { name, cluster, namespace } = benchPlacement(i, CLUSTERS);
        result.push({
          metric: { cluster, namespace, service: name },
          value: [Date.now() / 1000, '10'],
        });
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

const mb = (n: number) => `${n.toFixed(0)} MB`;
const signed = (n: number) => `${n >= 0 ? '+' : ''}${n.toFixed(0)} MB`;

async function main() {
  if (CATALOG_DIR) {
    for (const which of ['measured', 'control']) {
      mkdirSync(join(CATALOG_DIR, which), { recursive: true });
    }
  }
  const file = join(CATALOG_DIR ?? dir, 'bench.yaml');
  const sandbox = fork(resolve(__dirname, 'fleetSandbox.ts'), [], {
    execArgv,
    env: childEnv,
  });
  children.push(sandbox);
  const { clusters } = await ask(sandbox, {}, 'ready');
  let services = 0;
  const prometheus = await startPrometheusStandIn(() => services);
  mkdirSync(ANSWERS_DIR, { recursive: true });
  // A kept catalog file stays as it is: the catalogs would let go of its components otherwise.
  if (!CATALOG_DIR || !existsSync(file)) writeComponents(file, []);

  const backendOptions = {
    clusters,
    prometheusUrl: prometheus.url,
    file,
    processingSeconds: PROCESSING_SECONDS,
  };
  const database = (which: string) =>
    CATALOG_DIR && { sqliteDirectory: join(CATALOG_DIR, which) };
  // One at a time: start-up is CPU-bound and the machine has two cores.
  const measured = await startBackend(
    { ...backendOptions, ...database('measured') },
    [
      ...(TRACE_GC ? ['--trace-gc'] : []),
      ...(TRACE_GC === 'verbose' ? ['--trace-gc-verbose'] : []),
    ],
  );
  const control = await startBackend({
    ...backendOptions,
    ...database('control'),
    fleetWatch: false,
  });
  const fleet = (refresh: boolean) =>
    measured.call(`/api/blue-green/fleet${refresh ? '?refresh=true' : ''}`);
  const startup = await Promise.all([measured.memory(), control.memory()]);
  console.log(
    `backend RSS after start-up (after GC): ${mb(
      startup[0].rss,
    )}; the backend that never serves the fleet: ${mb(startup[1].rss)}`,
  );

  const results = [];
  for (const size of SIZES) {
    const grown = Date.now();
    await ask(sandbox, { type: 'grow', services: size }, 'grown');
    const clustersReady = (Date.now() - grown) / 1000;
    console.log(
      `${size} services: clusters ready after ${clustersReady.toFixed(0)} s`,
    );
    services = size;
    writeComponents(
      file,
      Array.from({ length: size }, (_, i) => ({
        ...benchPlacement(i, CLUSTERS),
        owner: 'team-checkout',
      })),
    );
    // Both catalogs ingest the components; only then does the measured backend call the fleet.
    // A kept catalog that holds them all is left alone: reading the file again would have it
    // process 10,000 unchanged components during the measured calls.
    await Promise.all(
      [measured, control].map(async backend => {
        const held = await backend.serviceSelectorComponents();
        if (held < size + EXAMPLE_SERVICE_SELECTORS) {
          await backend.refreshLocation(file);
        }
      }),
    );
    for (const backend of [measured, control]) {
      let logged = Date.now();
      for (;;) {
        const ingested = await backend.serviceSelectorComponents();
        if (ingested >= size + EXAMPLE_SERVICE_SELECTORS) break;
        if (Date.now() - logged > 60_000) {
          console.log(`  the catalog holds ${ingested} of ${size} components`);
          logged = Date.now();
        }
        if (Date.now() - grown > SETUP_TIMEOUT_MS) {
          throw new Error(`the catalog did not ingest ${size} components`);
        }
        await sleep(1000);
      }
    }
    // ... and until the fleet shows every service's live color.
    for (;;) {
      const body = await fleet(true);
      const ready = body.rows.filter((r: any) => r.live === 'blue').length;
      if (ready >= size) break;
      if (Date.now() - grown > SETUP_TIMEOUT_MS) {
        throw new Error(`only ${ready} of ${size} services listed`);
      }
      await sleep(1000);
    }
    // Both backends open one service's tab: the plugin's Kubernetes client and strategies are
    // then loaded in both, and the difference is what the fleet itself costs.
    await Promise.all(
      [measured, control].map(b =>
        b.call(`/api/blue-green/entities/default/component/svc-0`),
      ),
    );
    const setup = (Date.now() - grown) / 1000;
    console.log(
      `${size} services: the catalogs and the fleet ready after ${setup.toFixed(
        0,
      )} s`,
    );

    await sleep(SETTLE_SECONDS * 1000);
    // Both start the calls from the same state: V8 keeps the pages a full collection frees
    // resident for reuse until its memory reducer runs in a process idle for a while (~20 s, or
    // never while calls keep coming). Ingesting 10,000 components leaves 200–350 MB of them in
    // both backends; the one serving the fleet-ready calls still held them when the calls
    // began, the idle one often not. So both give them back before the calls; what the calls
    // leave resident is counted. This also starts both backends' highest-RSS sampling afresh:
    // `busy` then holds the calls' peak.
    const [settled, settledControl] = await Promise.all([
      measured.memory(true),
      control.memory(true),
    ]);
    const before = await ask(sandbox, { type: 'count' }, 'count');
    const promBefore = prometheus.queries();
    const full: number[] = [];
    if (PROFILE) await measured.profileStart();
    for (let i = 0; i < ROUNDS; i++) full.push(await time(() => fleet(true)));
    if (PROFILE) {
      mkdirSync(PROFILE, { recursive: true });
      const profile = resolve(PROFILE, `fleet-${size}.heapprofile`);
      const { total, top } = await measured.profileStop(profile);
      console.log(
        `${size} services: ${(total / ROUNDS).toFixed(
          0,
        )} MB allocated per refresh call (sampled; ${profile}), largest:`,
      );
      for (const t of top) {
        console.log(
          `  ${(t.amount / ROUNDS).toFixed(1).padStart(6)} MB  ${t.where}`,
        );
      }
    }
    const after = await ask(sandbox, { type: 'count' }, 'count');
    const promAfter = prometheus.queries();
    const cached: number[] = [];
    for (let i = 0; i < ROUNDS; i++)
      cached.push(await time(() => fleet(false)));
    const body = await fleet(false);
    writeFileSync(
      join(ANSWERS_DIR, `fleet-${size}.json`),
      JSON.stringify(body),
    );
    const [busy, busyControl] = await Promise.all([
      measured.memory(),
      control.memory(),
    ]);
    await sleep(IDLE_SECONDS * 1000);
    const [idle, idleControl] = await Promise.all([
      measured.memory(),
      control.memory(),
    ]);
    // The baseline: the same refresh in the backend that lists every cluster each time. Its
    // first calls build what a fleet keeps between calls, as the ready calls did above.
    const listedCall = () => control.call('/api/blue-green/fleet?refresh=true');
    for (let i = 0; i < 2; i++) await listedCall();
    const listed: number[] = [];
    for (let i = 0; i < ROUNDS; i++) listed.push(await time(listedCall));
    console.log(
      `${size} services: refresh p50 ${stats(full).p50.toFixed(
        0,
      )} ms with watches, ${stats(listed).p50.toFixed(
        0,
      )} ms listing every cluster (fleet.watch: false, p90 ${stats(
        listed,
      ).p90.toFixed(0)} ms): ${(stats(full).p50 / stats(listed).p50).toFixed(
        2,
      )}×`,
    );
    if (CPU_PROFILE) {
      mkdirSync(CPU_PROFILE, { recursive: true });
      const profile = resolve(CPU_PROFILE, `fleet-${size}.cpuprofile`);
      await measured.cpuProfileStart();
      const profiled: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        profiled.push(await time(() => fleet(true)));
      }
      const { total, top } = await measured.cpuProfileStop(profile);
      console.log(
        `${size} services: ${(total / ROUNDS).toFixed(
          0,
        )} ms profiled per refresh call (p50 ${stats(profiled).p50.toFixed(
          0,
        )} ms under the profiler; ${profile}), largest:`,
      );
      for (const t of top) {
        console.log(
          `  ${(t.amount / ROUNDS).toFixed(1).padStart(7)} ms  ${t.where}`,
        );
      }
    }
    if (CATALOG_TIMING) {
      const filter = ['service-selector', 'argo-rollouts', 'istio']
        .map(
          s =>
            `filter=metadata.annotations.blue-green.backstage.io/strategy=${s}`,
        )
        .join('&');
      const whole: number[] = [];
      const paged: number[] = [];
      for (let i = 0; i < 5; i++) {
        whole.push(
          await time(() => measured.call(`/api/catalog/entities?${filter}`)),
        );
        paged.push(
          await time(async () => {
            let page = await measured.call(
              `/api/catalog/entities/by-query?${filter}&limit=1000`,
            );
            while (page.pageInfo?.nextCursor) {
              page = await measured.call(
                `/api/catalog/entities/by-query?limit=1000&cursor=${encodeURIComponent(
                  page.pageInfo.nextCursor,
                )}`,
              );
            }
          }),
        );
      }
      const [one, pages] = [stats(whole).p50, stats(paged).p50];
      console.log(
        `${size} services: the fleet's catalog read as carol, in pages of 1,000 ${pages.toFixed(
          0,
        )} ms, in one request ${one.toFixed(0)} ms (${(pages / one).toFixed(
          2,
        )}×)`,
      );
    }
    if (HEAP_SNAPSHOT) {
      mkdirSync(HEAP_SNAPSHOT, { recursive: true });
      for (const [backend, which] of [
        [measured, 'fleet'],
        [control, 'no-fleet'],
      ] as const) {
        const snapshot = resolve(
          HEAP_SNAPSHOT,
          `${which}-${size}.heapsnapshot`,
        );
        await backend.heapSnapshot(snapshot);
        const { totalMb, codeMb, holders } = heapHolders(snapshot);
        console.log(
          `${size} services, ${
            which === 'fleet' ? 'the measured backend' : 'no fleet calls'
          }: live heap ${mb(totalMb)}, of it code and sources ${mb(
            codeMb,
          )} (${snapshot})${holders.length ? '; retained:' : ''}`,
        );
        for (const h of holders) {
          console.log(`  ${h.mb.toFixed(1).padStart(7)} MB  ${h.holder}`);
        }
      }
    }

    const row = {
      services: size,
      rows: body.rows.length,
      p50: stats(full).p50,
      p90: stats(full).p90,
      cachedP50: stats(cached).p50,
      listedP50: stats(listed).p50,
      kubePerCall:
        (after.lists + after.other - before.lists - before.other) / ROUNDS,
      kubeGetsPerCall: (after.other - before.other) / ROUNDS,
      promPerCall: (promAfter - promBefore) / ROUNDS,
      settled,
      settledControl,
      busy,
      busyControl,
      idle,
      idleControl,
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
      } Prometheus requests/call; RSS before the calls, after ${SETTLE_SECONDS} s without any, ${mb(
        settled.rss,
      )} (${mb(settledControl.rss)}), right after the calls ${mb(
        busy.rss,
      )} (same catalog, no fleet calls: ${mb(
        busyControl.rss,
      )}), after ${IDLE_SECONDS} s idle ${mb(idle.rss)} (${mb(
        idleControl.rss,
      )}); live heap ${mb(idle.heapUsed)} (${mb(
        idleControl.heapUsed,
      )}), V8 heap ${mb(idle.heapTotal)} (${mb(
        idleControl.heapTotal,
      )}), external ${mb(idle.external)} (${mb(
        idleControl.external,
      )}): the rest of the RSS is outside V8's heap (native allocations, code); highest RSS during the calls ${mb(
        busy.sinceLast,
      )} (${mb(busyControl.sinceLast)}), the fleet's share at its peak ${signed(
        busy.sinceLast - busyControl.sinceLast,
      )}`,
    );
  }

  console.log('');
  console.log(
    `| services | /fleet p50 | p90 | cached p50 | listing every cluster p50 | Kubernetes req/call | Prometheus req/call | RSS before the calls (no fleet calls) | backend RSS after the calls | same catalog, no fleet calls | fleet's share | after ${IDLE_SECONDS} s idle (no fleet calls) | peak RSS so far (no fleet calls) | live heap (no fleet calls) |`,
  );
  console.log(
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const r of results) {
    console.log(
      `| ${r.services} | ${r.p50.toFixed(0)} ms | ${r.p90.toFixed(
        0,
      )} ms | ${r.cachedP50.toFixed(1)} ms | ${r.listedP50.toFixed(0)} ms | ${
        r.kubePerCall
      } | ${r.promPerCall} | ${mb(r.settled.rss)} (${mb(
        r.settledControl.rss,
      )}) | ${mb(r.busy.rss)} | ${mb(r.busyControl.rss)} | ${signed(
        r.busy.rss - r.busyControl.rss,
      )} | ${mb(r.idle.rss)} (${mb(r.idleControl.rss)}) | ${mb(
        r.idle.peak,
      )} (${mb(r.idleControl.peak)}) | ${mb(r.idle.heapUsed)} (${mb(
        r.idleControl.heapUsed,
      )}) |`,
    );
  }
  const first = results[0];
  const last = results[results.length - 1];
  const share = (r: (typeof results)[number]) => r.busy.rss - r.busyControl.rss;
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
    }; p50 at ${last.services}: ${last.p50.toFixed(0)} ms (target < 1000)`,
  );
  console.log(
    `RSS growth ${first.services} -> ${
      last.services
    } services (target < 150 MB): raw ${signed(
      last.busy.rss - first.busy.rss,
    )} right after the calls, ${signed(
      last.idle.rss - first.idle.rss,
    )} after ${IDLE_SECONDS} s idle; the backend that never serves the fleet grew ${signed(
      last.busyControl.rss - first.busyControl.rss,
    )} (${signed(
      last.idleControl.rss - first.idleControl.rss,
    )}) with the same catalog; the fleet's share grew ${signed(
      share(last) - share(first),
    )} (from ${signed(share(first))} to ${signed(share(last))})`,
  );
  console.log(
    `peak RSS growth ${first.services} -> ${last.services} services: ${signed(
      last.idle.peak - first.idle.peak,
    )} (the backend that never serves the fleet: ${signed(
      last.idleControl.peak - first.idleControl.peak,
    )}); peak at ${last.services} over start-up: ${signed(
      last.idle.peak - startup[0].peak,
    )} (${signed(last.idleControl.peak - startup[1].peak)})`,
  );

  await Promise.all([measured.stop(), control.stop()]);
  await prometheus.stop();
  await stopChild(sandbox);
  rmSync(dir, { recursive: true, force: true });
}

main()
  .then(() => process.exit(0))
  .catch(error => {
    console.error(error);
    for (const child of children) child.kill();
    rmSync(dir, { recursive: true, force: true });
    process.exit(1);
  });
