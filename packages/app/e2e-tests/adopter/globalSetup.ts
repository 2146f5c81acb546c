import {
  startPrometheus,
  startSandbox,
} from '@bluegreen-backstage/kube-sandbox';
import { execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { freePort, resultsDir } from '../support/backend';

/** The token of Blue/Green's own service account, as the backend README's app-config reads it. */
const BLUE_GREEN_TOKEN = 'adopter-blue-green-token';

/**
 * The adopter's environment — what no README can give them: a cluster named `production` (the
 * sandbox over HTTPS, refusing every token but the Kubernetes plugin's and Blue/Green's own), Prometheus, a
 * database, ports — and their app's backend, serving the built app.
 */
export default async function globalSetup() {
  const app = process.env.ADOPTER_APP_DIR;
  if (!app)
    throw new Error('ADOPTER_APP_DIR is not set: run scripts/adopter-test.sh');
  const sandbox = await startSandbox({
    podReadyDelayMs: 300,
    requireToken: true,
    authenticate: token => token === BLUE_GREEN_TOKEN,
    // As clusters are reached in production (kubectl sends no token over plain HTTP either).
    https: true,
  });
  const prometheus = await startPrometheus({
    httpSdUrl: sandbox.httpSdUrl,
    scrapeIntervalSeconds: 1,
  });
  sandbox.setPrometheusUrl(prometheus.url);

  // What the READMEs tell the adopter to do on their cluster (binding the example's objects to
  // its entity), with the real kubectl, as they would.
  const steps: string[][] = JSON.parse(
    await readFile(join(app, 'cluster-steps.json'), 'utf8'),
  );
  for (const args of steps) {
    await promisify(execFile)(
      'kubectl',
      ['--kubeconfig', sandbox.kubeconfigPath, ...args],
      {
        env: {
          ...process.env,
          KUBECACHEDIR: join(sandbox.dataDir, 'kube-cache'),
        },
        timeout: 60_000,
      },
    ).catch(error => {
      throw new Error(
        `kubectl ${args.join(' ')} failed: ${error.stderr ?? error}`,
      );
    });
  }

  const port = await freePort();
  const baseUrl = `http://localhost:${port}`;
  const dir = await mkdtemp(join(tmpdir(), 'blue-green-adopter-env-'));
  const environment = join(dir, 'app-config.environment.yaml');
  await writeFile(
    environment,
    stringify({
      app: { baseUrl },
      backend: {
        baseUrl,
        listen: { port },
        cors: { origin: baseUrl },
        database: {
          client: 'better-sqlite3',
          connection: { directory: join(dir, 'db') },
        },
      },
      kubernetes: {
        serviceLocatorMethod: { type: 'multiTenant' },
        clusterLocatorMethods: [
          {
            type: 'config',
            clusters: [
              {
                name: 'production',
                url: sandbox.url,
                authProvider: 'serviceAccount',
                serviceAccountToken: sandbox.token,
                caData: sandbox.caData,
                skipMetricsLookup: true,
              },
            ],
          },
        ],
      },
      permission: { enabled: true },
      blueGreen: {
        prometheus: { url: prometheus.url },
        checks: { window: '30s', cacheTtl: '1s' },
      },
    }),
  );

  const log = createWriteStream(join(resultsDir, 'adopter-backend.log'));
  // With --config the CLI reads only the files named: the app's own first.
  const backend = spawn(
    'yarn',
    [
      'workspace',
      'backend',
      'start',
      '--config',
      join(app, 'app-config.yaml'),
      '--config',
      environment,
    ],
    {
      cwd: app,
      detached: true, // own process group, so the teardown reaches the node child too
      env: { ...process.env, BLUE_GREEN_TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  backend.stdout?.pipe(log);
  backend.stderr?.pipe(log);
  const exited = new Promise(resolve => backend.once('exit', resolve));

  const deadline = Date.now() + 180_000;
  for (;;) {
    if (backend.exitCode !== null) {
      throw new Error(
        `the adopter's backend exited with ${backend.exitCode}; see test-results/adopter-backend.log`,
      );
    }
    // Ready once every plugin has started (Backstage's readiness endpoint).
    const ok = await fetch(`${baseUrl}/.backstage/health/v1/readiness`)
      .then(r => r.ok)
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline) {
      throw new Error('the adopter backend did not answer within 180 s');
    }
    await new Promise(r => setTimeout(r, 500));
  }

  process.env.E2E_BASE_URL = baseUrl;
  process.env.E2E_SANDBOX_URL = sandbox.url;
  process.env.E2E_SANDBOX_TOKEN = sandbox.token;
  process.env.E2E_SANDBOX_SERVICES = JSON.stringify(sandbox.services());
  return async () => {
    if (backend.exitCode === null && backend.pid) {
      process.kill(-backend.pid, 'SIGTERM');
      await exited;
    }
    await prometheus.stop();
    await sandbox.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
