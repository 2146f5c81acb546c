/* eslint-disable no-console */
/**
 * Benchmark: GET and PATCH p50 latency, then RSS and list latency with
 * 1,000 Services × 2 colors × 2 replicas (4,000 pods) in --no-traffic mode.
 *   yarn workspace @bluegreen-backstage/kube-sandbox bench [--services 1000]
 */
import { startSandbox } from './sandbox';

async function timeIt(n: number, fn: (i: number) => Promise<void>) {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn(i);
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  samples.sort((a, b) => a - b);
  const q = (p: number) =>
    samples[Math.min(samples.length - 1, Math.floor(p * samples.length))];
  return { p50: q(0.5), p90: q(0.9), max: samples[samples.length - 1] };
}

const fmt = (r: { p50: number; p90: number; max: number }) =>
  `p50 ${r.p50.toFixed(2)} ms, p90 ${r.p90.toFixed(2)} ms, max ${r.max.toFixed(
    2,
  )} ms`;

async function main() {
  const arg = process.argv.indexOf('--services');
  const services = arg > 0 ? Number(process.argv[arg + 1]) : 1000;
  const sandbox = await startSandbox({
    scenario: 'empty',
    listeners: false,
    traffic: false,
    podReadyDelayMs: 200,
  });
  const headers = { Authorization: `Bearer ${sandbox.token}` };
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    type = 'application/json',
  ) => {
    const r = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: { ...headers, ...(body ? { 'Content-Type': type } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    if (r.status >= 300)
      throw new Error(`${method} ${path}: ${r.status} ${text}`);
    return text;
  };
  await call('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'bench' },
  });

  const deployment = (name: string, app: string, color: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app, color } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app, color } },
      template: {
        metadata: {
          labels: {
            app,
            color,
            version: color === 'blue' ? 'v1.0.0' : 'v1.1.0',
          },
        },
        spec: {
          containers: [
            {
              name: 'app',
              image: color === 'blue' ? 'my-app:1.0.0' : 'my-app:1.1.0',
              ports: [{ containerPort: 8080 }],
            },
          ],
        },
      },
    },
  });
  const service = (name: string) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: {
      selector: { app: name, color: 'blue' },
      ports: [{ port: 80, targetPort: 8080 }],
    },
  });

  // Small cluster first.
  await call('POST', '/api/v1/namespaces/bench/services', service('probe'));
  const get0 = await timeIt(500, () =>
    call('GET', '/api/v1/namespaces/bench/services/probe').then(
      () => undefined,
    ),
  );
  const patch0 = await timeIt(500, i =>
    call(
      'PATCH',
      '/api/v1/namespaces/bench/services/probe',
      { metadata: { labels: { i: String(i) } } },
      'application/merge-patch+json',
    ).then(() => undefined),
  );
  console.log(`empty cluster   GET service:   ${fmt(get0)}`);
  console.log(`empty cluster   PATCH service: ${fmt(patch0)}`);

  const t0 = Date.now();
  for (let i = 0; i < services; i++) {
    const name = `svc-${i}`;
    await call('POST', '/api/v1/namespaces/bench/services', service(name));
    await call(
      'POST',
      '/apis/apps/v1/namespaces/bench/deployments',
      deployment(`${name}-blue`, name, 'blue'),
    );
    await call(
      'POST',
      '/apis/apps/v1/namespaces/bench/deployments',
      deployment(`${name}-green`, name, 'green'),
    );
  }
  console.log(
    `created ${services} Services and ${services * 2} Deployments in ${(
      (Date.now() - t0) /
      1000
    ).toFixed(1)} s`,
  );
  await sandbox.settled(600000);
  const pods = sandbox.internals.store.count('pods');
  console.log(
    `${pods} pods Ready after ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  global.gc?.();
  const rss = process.memoryUsage().rss / 1024 / 1024;
  const listAll = await timeIt(20, () =>
    call('GET', '/api/v1/pods').then(() => undefined),
  );
  const listNs = await timeIt(20, () =>
    call('GET', '/api/v1/namespaces/bench/pods?labelSelector=app%3Dsvc-7').then(
      () => undefined,
    ),
  );
  const get1 = await timeIt(300, i =>
    call('GET', `/api/v1/namespaces/bench/services/svc-${i % services}`).then(
      () => undefined,
    ),
  );
  const patch1 = await timeIt(300, i =>
    call(
      'PATCH',
      `/api/v1/namespaces/bench/services/svc-${i % services}`,
      { spec: { selector: { color: i % 2 ? 'blue' : 'green' } } },
      'application/strategic-merge-patch+json',
    ).then(() => undefined),
  );
  console.log(`${services} services x 2 colors x 2 replicas:`);
  console.log(
    `  RSS:                        ${rss.toFixed(0)} MB (target < 1500 MB)`,
  );
  console.log(
    `  list all ${pods} pods:        ${fmt(listAll)} (target p50 < 100 ms)`,
  );
  console.log(`  list pods by label:         ${fmt(listNs)}`);
  console.log(`  GET service:                ${fmt(get1)}`);
  console.log(`  PATCH service selector:     ${fmt(patch1)}`);
  console.log(
    `  objects: ${sandbox.internals.store.count(
      'events',
    )} events, ${sandbox.internals.store.count(
      'replicasets.apps',
    )} ReplicaSets, ${sandbox.internals.store.count(
      'endpointslices.discovery.k8s.io',
    )} EndpointSlices`,
  );
  await sandbox.stop();
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
