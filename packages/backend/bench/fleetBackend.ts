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

type ProfileNode = {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
};

/**
 * What a sampled heap profile allocated, by the nearest frame of our own code (plugins/, packages/)
 * or, without one, by the package the allocating frame is in; the largest first.
 */
function allocationsByCode(root: ProfileNode, top = 25) {
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
    total: total / MB,
    top: [...sums]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([where, bytes]) => ({ where, mb: bytes / MB })),
  };
}

async function main() {
  const options: {
    clusters: Record<string, { url: string; token: string }>;
    prometheusUrl: string;
    file: string;
    processingSeconds?: number;
  } = await new Promise(r => process.once('message', r as any));
  const world = await startWorld({
    database: 'sqlite',
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
          ...allocationsByCode(profile.head),
        });
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
