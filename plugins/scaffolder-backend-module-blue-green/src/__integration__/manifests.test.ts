/**
 * The rendered manifests of each strategy against the sandbox cluster: the real kubectl 1.32
 * validates them server-side (`--dry-run=server`) and applies them; `blue-green:apply` applies
 * them through the Blue/Green Kubernetes gateway; then the cluster runs both colors and real
 * HTTP reaches the live one.
 */
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import type { BlueGreenStrategy } from '@bluegreen-backstage/plugin-blue-green-common';
import {
  attributeKey,
  grants,
  LoggedRequest,
  rbacAttributes,
  readManifests,
  Sandbox,
  startSandbox,
} from '@bluegreen-backstage/kube-sandbox';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { KubernetesGateway } from '@bluegreen-backstage/plugin-blue-green-node';
import { ServiceAccountStrategy } from '@backstage/plugin-kubernetes-backend';
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createApplyAction } from '../actions/apply';
import { createRenderAction } from '../actions/render';
import { ManifestApplier } from '../services/ManifestApplier';
import { testOwnership } from '../__testUtils__/ownership';

jest.setTimeout(120_000);

const exec = promisify(execFile);

async function kubectl(sandbox: Sandbox, args: string[]) {
  try {
    const { stdout, stderr } = await exec(
      'kubectl',
      ['--kubeconfig', sandbox.kubeconfigPath, ...args],
      {
        env: {
          ...process.env,
          KUBECACHEDIR: join(sandbox.dataDir, 'kube-cache'),
        },
        timeout: 60_000,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (e: any) {
    return {
      code: e.code ?? 1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
    };
  }
}

async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 100));
  }
}

/** The pods' colors that answered through a Service (sandbox pods set X-Color). */
async function colors(url: string, headers: Record<string, string> = {}) {
  const seen = new Set<string>();
  for (let i = 0; i < 8; i++) {
    const res = await fetch(url, { headers });
    await res.text();
    seen.add(`${res.status} ${res.headers.get('x-color') ?? '-'}`);
  }
  return [...seen].sort();
}

async function render(input: object) {
  const workspacePath = await mkdtemp(join(tmpdir(), 'bg-render-'));
  await createRenderAction({ ownership: testOwnership() }).handler(
    createMockActionContext({ input: input as any, workspacePath }),
  );
  return workspacePath;
}

const STRATEGIES: BlueGreenStrategy[] = [
  'service-selector',
  'argo-rollouts',
  'istio',
];

const scaffolderRole = readManifests(
  resolvePackagePath(
    '@bluegreen-backstage/plugin-scaffolder-backend-module-blue-green',
    'manifests/rbac/clusterrole.yaml',
  ),
)[0];

describe('rendered manifests in the sandbox cluster', () => {
  let sandbox: Sandbox;
  let api: (path: string) => Promise<any>;
  let applyAction: ReturnType<typeof createApplyAction>;

  beforeAll(async () => {
    sandbox = await startSandbox({
      scenario: 'empty',
      podReadyDelayMs: 200,
      traffic: false,
    });
    api = async path => {
      const res = await fetch(`${sandbox.url}${path}`, {
        headers: { Authorization: `Bearer ${sandbox.token}` },
      });
      return res.status === 404 ? undefined : res.json();
    };
    // The Kubernetes backend's own ServiceAccountStrategy, as its module would hand it over.
    const gateway = KubernetesGateway.create({
      config: new ConfigReader({}),
      auth: mockServices.auth(),
      logger: mockServices.logger.mock(),
      clusters: {
        publish() {},
        get: async () => ({
          clusterSupplier: {
            getClusters: async () => [
              {
                name: 'sandbox',
                url: sandbox.url,
                authMetadata: {
                  'kubernetes.io/auth-provider': 'serviceAccount',
                  serviceAccountToken: sandbox.token,
                },
                skipTLSVerify: true,
              },
            ],
          },
          authStrategies: { serviceAccount: new ServiceAccountStrategy() },
        }),
      },
    });
    applyAction = createApplyAction({
      applier: ManifestApplier.create({
        gateway,
        ownership: testOwnership(),
      }),
    });
  });
  afterAll(() => sandbox?.stop());

  /** Waits until both colors run (Deployments) or the Rollout is healthy. */
  async function running(
    strategy: BlueGreenStrategy,
    ns: string,
    name: string,
  ) {
    if (strategy === 'argo-rollouts') {
      await waitFor(`Rollout ${ns}/${name} Healthy`, async () => {
        const rollout = await api(
          `/apis/argoproj.io/v1alpha1/namespaces/${ns}/rollouts/${name}`,
        );
        return rollout?.status?.phase === 'Healthy';
      });
      return;
    }
    for (const color of ['blue', 'green']) {
      const status = await kubectl(sandbox, [
        'rollout',
        'status',
        '-n',
        ns,
        `deployment/${name}-${color}`,
        '--timeout=30s',
      ]);
      expect(status.stdout).toContain('successfully rolled out');
    }
  }

  /** Real HTTP through the Services: the live color answers, the idle one is reachable for tests. */
  async function serves(strategy: BlueGreenStrategy, ns: string, name: string) {
    const url = (service: string) =>
      waitFor(`address of ${service}`, async () =>
        sandbox.serviceUrl(ns, service),
      );
    if (strategy === 'service-selector') {
      await waitFor(
        'blue through the Service',
        async () => (await colors(await url(name))).join() === '200 blue',
      );
      expect(await colors(await url(`${name}-preview`))).toEqual(['200 green']);
    } else if (strategy === 'istio') {
      await waitFor(
        'blue through the VirtualService',
        async () => (await colors(await url(name))).join() === '200 blue',
      );
      expect(await colors(await url(name), { 'x-canary': 'true' })).toEqual([
        '200 green',
      ]);
    } else {
      await waitFor(
        'the stable revision through the active Service',
        async () =>
          (await colors(await url(`${name}-active`)))[0]?.startsWith('200'),
      );
    }
  }

  describe.each(STRATEGIES)('%s', strategy => {
    const short = {
      'service-selector': 'sel',
      'argo-rollouts': 'argo',
      istio: 'mesh',
    }[strategy];

    it('kubectl: --dry-run=server accepts every object and stores nothing, then apply creates them and both colors run', async () => {
      const name = `kc-${short}`;
      const workspace = await render({
        name,
        owner: 'team-checkout',
        strategy,
        image: 'my-app:1.0.0',
        greenImage: strategy === 'argo-rollouts' ? undefined : 'my-app:1.1.0',
        replicas: 2,
        analysis: strategy === 'argo-rollouts',
      });
      const manifests = join(workspace, 'k8s');

      const dryRun = await kubectl(sandbox, [
        'apply',
        '--dry-run=server',
        '-f',
        manifests,
      ]);
      expect(dryRun.stderr).toBe('');
      expect(dryRun.code).toBe(0);
      const lines: string[] = dryRun.stdout.trim().split('\n');
      expect(lines.length).toBe(strategy === 'istio' ? 5 : 4);
      expect(lines.every(l => l.endsWith(' created (server dry run)'))).toBe(
        true,
      );
      const none = await kubectl(sandbox, [
        'get',
        'deployments,services,rollouts,virtualservices',
        '-l',
        `app=${name}`,
      ]);
      expect(none.stderr.trim()).toBe(
        'No resources found in default namespace.',
      );

      const applied = await kubectl(sandbox, ['apply', '-f', manifests]);
      expect(applied.stderr).toBe('');
      expect(applied.stdout.trim().split('\n')).toEqual(
        lines.map(l => l.replace(' (server dry run)', '')),
      );
      await running(strategy, 'default', name);
      await serves(strategy, 'default', name);

      // Applying the same files again changes nothing.
      const again = await kubectl(sandbox, ['apply', '-f', manifests]);
      expect(again.code).toBe(0);
      expect(again.stdout).not.toContain('created');
    });

    it('blue-green:apply: a dry run validates, then the real apply creates the namespace and the objects', async () => {
      const name = `act-${short}`;
      const namespace = `shop-${short}`;
      const workspace = await render({
        name,
        namespace,
        owner: 'team-checkout',
        strategy,
        image: 'nginx:1.14',
        port: 80,
        replicas: 1,
      });
      const run = async (isDryRun: boolean) => {
        const ctx = createMockActionContext({
          input: { path: 'k8s', cluster: 'sandbox' } as any,
          workspacePath: workspace,
          logger: mockServices.logger.mock() as any,
        });
        Object.assign(ctx, { isDryRun });
        await applyAction.handler(ctx);
        return (ctx.output as jest.Mock).mock.calls.find(
          c => c[0] === 'objects',
        )![1];
      };

      // The action's own requests (not the test's kubectl), for the RBAC check at the end.
      const sent: LoggedRequest[] = [];
      const recorded = async <T>(action: () => Promise<T>) => {
        const mark = sandbox.requests.mark();
        const result = await action();
        sent.push(...sandbox.requests.list(mark));
        return result;
      };
      const validated = await recorded(() => run(true));
      expect(validated[0]).toEqual({
        kind: 'Namespace',
        name: namespace,
        result: 'validated',
      });
      expect(await api(`/api/v1/namespaces/${namespace}`)).toBeUndefined();

      const created = await recorded(() => run(false));
      expect(created.map((o: any) => o.result)).toEqual(
        created.map(() => 'created'),
      );
      // The namespace, then 4 objects (service-selector), 3 (argo-rollouts) or 5 (istio).
      expect(created.length).toBe({ sel: 5, argo: 4, mesh: 6 }[short]);
      await running(strategy, namespace, name);
      await serves(strategy, namespace, name);

      // A server-side dry run against the existing objects (ifExists: replace) is accepted too.
      const ctx = createMockActionContext({
        input: { path: 'k8s', ifExists: 'replace' } as any,
        workspacePath: workspace,
        task: { id: 'another-task' },
      });
      Object.assign(ctx, { isDryRun: true });
      await recorded(() => applyAction.handler(ctx));

      // Every request of these applies is granted by the role the module ships for them.
      const refused = sent
        .map(rbacAttributes)
        .filter(a => a && !grants(scaffolderRole.rules!, a))
        .map(a => attributeKey(a!));
      expect(refused).toEqual([]);
    });
  });
});
