/* eslint-disable no-console */
/**
 * Issue 4 benchmark: one promote/rollback of my-app, three ways, against the same sandbox in one run:
 *   1. the plugin's HTTP API (catalog lookup, permission check, CAS patch, verification, history);
 *   2. seed 001's switch-traffic.sh (kubectl, unmodified);
 *   3. a bare @kubernetes/client-node GET + PATCH of the Service.
 * Prints p50/p90 per way and the ratios, then extra baselines that explain the figures (no target):
 * bare GET + PATCH + waiting for the Endpoints, the plugin's cluster requests sent bare, and one
 * request to the backend. Run: yarn workspace backend bench:switch
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { resolve } from 'node:path';
import { FIXTURES_DIR } from '@bluegreen-backstage/kube-sandbox';
import { startWorld, users, waitFor } from '../src/__testUtils__/harness';

const run = promisify(execFile);
const ROUNDS = Number(process.env.ROUNDS ?? 20);

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p90: at(0.9), n: sorted.length };
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function main() {
  const world = await startWorld({ database: 'sqlite' });
  const path = '/entities/default/component/my-app';
  await waitFor('my-app ready', async () => {
    const res = await world.as(users.alice).get(path);
    return res.body?.promote?.allowed;
  });

  const colorOf = async () =>
    (await world.kube('/api/v1/namespaces/default/services/my-app')).spec
      .selector.color;
  const other = (c: string) => (c === 'blue' ? 'green' : 'blue');

  // 1. The plugin: each round is one switch (promote and rollback alternate).
  const plugin: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const action = (await colorOf()) === 'blue' ? 'promote' : 'rollback';
    plugin.push(
      await time(async () => {
        const res = await world.as(users.alice).post(`${path}/${action}`, {});
        if (res.status !== 200)
          throw new Error(
            `${action}: ${res.status} ${JSON.stringify(res.body)}`,
          );
      }),
    );
  }

  // 2. The seed's script, unmodified, with the sandbox's kubeconfig.
  const script = resolve(FIXTURES_DIR, 'seed-001/switch-traffic.sh');
  const kubectl: number[] = [];
  for (let i = 0; i < Math.min(ROUNDS, 10); i++) {
    const target = other(await colorOf());
    kubectl.push(
      await time(() =>
        run('bash', [script, target], {
          env: { ...process.env, KUBECONFIG: world.sandbox.kubeconfigPath },
        }),
      ),
    );
  }

  // 3. A bare client: GET the Service, PATCH its selector.
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [
      { name: 'sandbox', server: world.sandbox.url, skipTLSVerify: true },
    ],
    users: [{ name: 'u', token: world.sandbox.token }],
    contexts: [{ name: 'c', cluster: 'sandbox', user: 'u' }],
    currentContext: 'c',
  });
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const merge = k8s.setHeaderOptions(
    'Content-Type',
    k8s.PatchStrategy.MergePatch,
  );
  /** GET the Service, PATCH its selector to the other color; returns that color. */
  const bareSwitch = async () => {
    const svc = await core.readNamespacedService({
      name: 'my-app',
      namespace: 'default',
    });
    const target = other(svc.spec!.selector!.color);
    await core.patchNamespacedService(
      {
        name: 'my-app',
        namespace: 'default',
        body: { spec: { selector: { color: target } } },
      },
      merge,
    );
    return target;
  };
  const bare: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    bare.push(await time(() => bareSwitch()));
  }

  // Extra baselines, measured after the three (which they do not change), to explain the
  // figures: what waiting for the Endpoints adds, what the plugin's cluster requests cost without
  // Backstage, and one authenticated request to the backend that does nothing.
  const endpointsHold = async (color: string) => {
    for (let pause = 10; ; pause = Math.min(pause * 2, 100)) {
      const [endpoints, pods] = await Promise.all([
        core.readNamespacedEndpoints({ name: 'my-app', namespace: 'default' }),
        core.listNamespacedPod({
          namespace: 'default',
          labelSelector: `color=${color}`,
        }),
      ]);
      const names = new Set(pods.items.map(pod => pod.metadata!.name));
      const addresses = (endpoints.subsets ?? []).flatMap(
        subset => subset.addresses ?? [],
      );
      if (
        addresses.length > 0 &&
        addresses.every(a => names.has(a.targetRef?.name))
      ) {
        return;
      }
      await new Promise(r => setTimeout(r, pause));
    }
  };
  const bareVerified: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    bareVerified.push(
      await time(async () => endpointsHold(await bareSwitch())),
    );
  }
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const bareRequests: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    bareRequests.push(
      await time(async () => {
        // The plugin's reads for its decision (Service, both Deployments, their pods) ...
        const [svc, deployments] = await Promise.all([
          core.readNamespacedService({ name: 'my-app', namespace: 'default' }),
          Promise.all(
            ['blue', 'green'].map(c =>
              apps.readNamespacedDeployment({
                name: `my-app-${c}`,
                namespace: 'default',
              }),
            ),
          ),
        ]);
        await Promise.all(
          deployments.map(d =>
            core.listNamespacedPod({
              namespace: 'default',
              labelSelector: Object.entries(d.spec!.selector.matchLabels!)
                .map(([k, v]) => `${k}=${v}`)
                .join(','),
            }),
          ),
        );
        // ... its compare-and-swap JSON patch, and its verification.
        const from = svc.spec!.selector!.color;
        const target = other(from);
        await core.patchNamespacedService(
          {
            name: 'my-app',
            namespace: 'default',
            body: [
              { op: 'test', path: '/spec/selector/color', value: from },
              { op: 'replace', path: '/spec/selector/color', value: target },
            ],
          },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
        );
        await endpointsHold(target);
      }),
    );
  }
  const health: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    health.push(await time(() => world.as(users.alice).get('/health')));
  }

  const p = stats(plugin);
  const s = stats(kubectl);
  const b = stats(bare);
  console.log(`promote/rollback of my-app, ${ROUNDS} rounds (script: ${s.n})`);
  console.log(
    `  plugin HTTP API        p50 ${p.p50.toFixed(1)} ms   p90 ${p.p90.toFixed(
      1,
    )} ms`,
  );
  console.log(
    `  switch-traffic.sh      p50 ${s.p50.toFixed(1)} ms   p90 ${s.p90.toFixed(
      1,
    )} ms`,
  );
  console.log(
    `  bare GET + PATCH       p50 ${b.p50.toFixed(1)} ms   p90 ${b.p90.toFixed(
      1,
    )} ms`,
  );
  console.log(
    `  plugin / bare          ${(p.p50 / b.p50).toFixed(2)}x   (target <= 2x)`,
  );
  console.log(
    `  script / plugin        ${(s.p50 / p.p50).toFixed(2)}x   (target >= 3x)`,
  );
  console.log('extra baselines (no target)');
  for (const [label, samples] of [
    ['bare GET + PATCH + Endpoints', bareVerified],
    ["bare, the plugin's 8 cluster requests", bareRequests],
    ['backend GET /health', health],
  ] as const) {
    const x = stats([...samples]);
    console.log(
      `  ${label.padEnd(38)} p50 ${x.p50.toFixed(1)} ms   p90 ${x.p90.toFixed(
        1,
      )} ms   plugin / this ${(p.p50 / x.p50).toFixed(2)}x`,
    );
  }
  await world.stop();
}

// Exit once done: timers left by the in-process backend would otherwise keep the process alive.
main()
  .then(() => process.exit(0))
  .catch(error => {
    console.error(error);
    process.exit(1);
  });
