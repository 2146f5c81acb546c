/**
 * One backend of the fleet benchmark, in its own process so that its RSS is the backend's alone
 * (not the benchmark's HTTP client, its stand-in Prometheus or the sandbox): the harness's world
 * with the benchmark's catalog file and cluster. Driven by `fleet.ts` over IPC; it listens on a
 * random port and answers `memory` with its own figures after a full GC.
 */
import { kubernetesConfig } from '@bluegreen-backstage/kube-sandbox';
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { writeHeapSnapshot } from 'node:v8';
import { resolve } from 'node:path';
import { repoRoot, startWorld } from '../src/__testUtils__/harness';

const MB = 2 ** 20;

type CallFrame = { functionName: string; url: string; lineNumber: number };

type ProfileNode = {
  callFrame: CallFrame;
  /** Bytes allocated (a heap profile) or milliseconds spent (a CPU profile) in the frame itself. */
  selfSize: number;
  children: ProfileNode[];
};

/** A CPU profile (a list of nodes and timed samples) as a tree of the time spent in each frame. */
function cpuTree(profile: {
  nodes: Array<{ id: number; callFrame: CallFrame; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}): ProfileNode {
  const nodes = new Map<number, ProfileNode>(
    profile.nodes.map(n => [
      n.id,
      { callFrame: n.callFrame, selfSize: 0, children: [] },
    ]),
  );
  for (const n of profile.nodes) {
    nodes.get(n.id)!.children = (n.children ?? []).map(id => nodes.get(id)!);
  }
  // Each sample's time is the delta to the next one (microseconds).
  profile.samples.forEach((id, i) => {
    nodes.get(id)!.selfSize += (profile.timeDeltas[i + 1] ?? 0) / 1000;
  });
  return nodes.get(profile.nodes[0].id)!;
}

/**
 * What a sampled profile allocated or spent time on, by the nearest frame of our own code
 * (plugins/, packages/) or, without one, by the package the frame is in; the largest first.
 */
function byCode(root: ProfileNode, unit: number, top = 25) {
  const sums = new Map<string, number>();
  const ours = (url: string) =>
    /\/(plugins|packages)\//.test(url) && !url.includes('node_modules');
  const packageOf = (url: string) => {
    const m = url.match(/node_modules\/((@[^/]+\/)?[^/]+)/);
    return m ? m[1] : url.replace(/^.*\//, '') || '(native)';
  };
  const walk = (node: ProfileNode, stack: ProfileNode['callFrame'][]) => {
    const frames = [...stack, node.callFrame];
    if (node.selfSize > 0) {
      const own = [...frames].reverse().find(f => ours(f.url));
      const key = own
        ? `${own.functionName || '(anonymous)'} ${own.url.replace(
            /^.*\/(plugins|packages)\//,
            '$1/',
          )}:${own.lineNumber + 1}`
        : `${packageOf(node.callFrame.url)} ${node.callFrame.functionName}`;
      sums.set(key, (sums.get(key) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, frames);
  };
  walk(root, []);
  const total = [...sums.values()].reduce((a, b) => a + b, 0);
  return {
    total: total / unit,
    top: [...sums]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([where, amount]) => ({ where, amount: amount / unit })),
  };
}

async function main() {
  const options: {
    clusters: Record<string, { url: string; token: string }>;
    prometheusUrl: string;
    file: string;
    processingSeconds?: number;
    sqliteDirectory?: string;
    /** `blueGreen.fleet.watch`: false lists the clusters on each refresh. */
    fleetWatch?: boolean;
  } = await new Promise(r => process.once('message', r as any));
  const world = await startWorld({
    database: 'sqlite',
    sqliteDirectory: options.sqliteDirectory,
    config: {
      kubernetes: kubernetesConfig(options.clusters),
      catalog: {
        rules: [{ allow: ['Component', 'System', 'User', 'Group'] }],
        locations: [
          {
            type: 'file',
            target: resolve(repoRoot, 'examples/blue-green/entities.yaml'),
          },
          { type: 'file', target: resolve(repoRoot, 'examples/org.yaml') },
          { type: 'file', target: options.file },
        ],
        // Unset: Backstage's default (100–150 s). The benchmark refreshes its location instead.
        ...(options.processingSeconds && {
          processingInterval: { seconds: options.processingSeconds },
        }),
      },
      blueGreen: {
        checks: { requiredForPromote: false },
        watch: { enabled: false },
        fleet: { watch: options.fleetWatch ?? true },
        prometheus: { url: options.prometheusUrl },
      },
    },
  });
  let profiler: Session | undefined;
  // The highest RSS since the last `memory` message, sampled every 25 ms: the calls' own peak,
  // which maxRSS (the process's high-water mark, often the catalog's ingestion) does not tell.
  let highest = 0;
  setInterval(() => {
    highest = Math.max(highest, process.memoryUsage.rss());
  }, 25).unref();
  process.on('message', async (message: any) => {
    try {
      if (message.type === 'profile-start') {
        // Every allocation sampled, including objects collected since: what the calls allocate.
        profiler = new Session();
        profiler.connect();
        await profiler.post('HeapProfiler.enable');
        await profiler.post('HeapProfiler.startSampling', {
          samplingInterval: 64 * 1024,
          includeObjectsCollectedByMajorGC: true,
          // PROFILE_PROMOTED=1: only what outlived the young generation (promoted, or still
          // alive): what makes the old generation grow between full collections.
          includeObjectsCollectedByMinorGC: !process.env.PROFILE_PROMOTED,
        } as any);
        process.send!({ type: 'profile-started' });
      } else if (message.type === 'profile-stop') {
        const { profile } = (await profiler!.post(
          'HeapProfiler.stopSampling',
        )) as any;
        profiler!.disconnect();
        // Opens in Chrome DevTools (Memory, Load profile).
        writeFileSync(message.file, JSON.stringify(profile));
        process.send!({
          type: 'profile',
          ...byCode(profile.head, MB),
        });
      } else if (message.type === 'cpu-profile-start') {
        profiler = new Session();
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.setSamplingInterval', { interval: 500 });
        await profiler.post('Profiler.start');
        process.send!({ type: 'cpu-profile-started' });
      } else if (message.type === 'cpu-profile-stop') {
        const { profile } = (await profiler!.post('Profiler.stop')) as any;
        profiler!.disconnect();
        // Opens in Chrome DevTools (Performance, Load profile).
        writeFileSync(message.file, JSON.stringify(profile));
        process.send!({ type: 'cpu-profile', ...byCode(cpuTree(profile), 1) });
      } else if (message.type === 'heap-snapshot') {
        (global as any).gc?.();
        writeHeapSnapshot(message.file);
        process.send!({ type: 'heap-snapshot-written' });
      } else if (message.type === 'memory') {
        const sinceLast = Math.max(highest, process.memoryUsage.rss()) / MB;
        const gc = (global as any).gc;
        gc?.();
        gc?.();
        if (message.release) {
          // What V8 keeps of freed pages for reuse is given back too (as under memory
          // pressure): a plain collection keeps it resident until the memory reducer runs.
          gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
        }
        const m = process.memoryUsage();
        process.send!({
          type: 'memory',
          rss: m.rss / MB,
          heapUsed: m.heapUsed / MB,
          heapTotal: m.heapTotal / MB,
          external: m.external / MB,
          // The high-water mark of the process's RSS so far (kilobytes on Linux).
          peak: process.resourceUsage().maxRSS / 1024,
          sinceLast,
        });
        highest = 0;
      } else if (message.type === 'stop') {
        await world.stop();
        process.exit(0);
      }
    } catch (error) {
      process.send!({ type: 'error', message: String(error) });
    }
  });
  process.send!({ type: 'ready', port: world.server.address().port });
}

main().catch(error => {
  process.send?.({ type: 'error', message: String(error) });
  process.exit(1);
});
