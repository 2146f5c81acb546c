/**
 * One backend of the fleet benchmark, in its own process so that its RSS is the backend's alone
 * (not the benchmark's HTTP client, its stand-in Prometheus or the sandbox): the harness's world
 * with the benchmark's catalog file and cluster. Driven by `fleet.ts` over IPC; it listens on a
 * random port and answers `memory` with its own figures after a full GC.
 */
import { kubernetesConfig } from '@bluegreen-backstage/kube-sandbox';
import { resolve } from 'node:path';
import { repoRoot, startWorld } from '../src/__testUtils__/harness';

const MB = 2 ** 20;

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
  process.on('message', async (message: any) => {
    try {
      if (message.type === 'memory') {
        (global as any).gc?.();
        (global as any).gc?.();
        const m = process.memoryUsage();
        process.send!({
          type: 'memory',
          rss: m.rss / MB,
          heapUsed: m.heapUsed / MB,
          heapTotal: m.heapTotal / MB,
          external: m.external / MB,
          // The high-water mark of the process's RSS so far (kilobytes on Linux).
          peak: process.resourceUsage().maxRSS / 1024,
        });
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
