import {
  kubernetesConfig,
  startPrometheus,
  startSandbox,
} from '@bluegreen-backstage/kube-sandbox';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { resultsDir, startBackend } from './backend';

/**
 * Starts what the browser tests run against — the sandbox cluster, a real Prometheus scraping it,
 * and the demo backend serving the built app, all on free ports — and hands the addresses to the
 * tests through the environment (Playwright's documented way to pass data from global setup).
 */
export default async function globalSetup() {
  const sandbox = await startSandbox({ podReadyDelayMs: 300 });
  const prometheus = await startPrometheus({
    httpSdUrl: sandbox.httpSdUrl,
    scrapeIntervalSeconds: 1,
  });
  sandbox.setPrometheusUrl(prometheus.url);

  const dir = await mkdtemp(join(tmpdir(), 'blue-green-e2e-'));
  const configFile = join(dir, 'app-config.e2e.yaml');
  await writeFile(
    configFile,
    stringify({
      backend: {
        database: {
          client: 'better-sqlite3',
          connection: { directory: join(dir, 'db') },
        },
      },
      kubernetes: kubernetesConfig({ sandbox }, { skipMetricsLookup: true }),
      blueGreen: {
        prometheus: { url: prometheus.url },
        // Short windows, so the browser sees an automatic rollback within the test.
        checks: { window: '30s', cacheTtl: '1s' },
        watch: {
          duration: '2m',
          evaluationInterval: '2s',
          rateWindow: '10s',
          criteria: {
            'error-rate': { for: '2s' },
            'core-function': { for: '2s' },
            'latency-p99': { for: '2s' },
            cpu: { for: '2s' },
          },
        },
      },
    }),
  );

  const backend = await startBackend({
    configFiles: [configFile],
    logFile: join(resultsDir, 'e2e-backend.log'),
  });
  process.env.E2E_BASE_URL = backend.baseUrl;
  process.env.E2E_SANDBOX_URL = sandbox.url;
  process.env.E2E_SANDBOX_TOKEN = sandbox.token;
  process.env.E2E_PROMETHEUS_URL = prometheus.url;
  process.env.E2E_SANDBOX_SERVICES = JSON.stringify(sandbox.services());
  return async () => {
    await backend.stop();
    await prometheus.stop();
    await sandbox.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
