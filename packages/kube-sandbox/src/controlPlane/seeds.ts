/**
 * The sandbox's `seeds` scenario (see scenarios.ts), applied to a real control plane with kubectl:
 * the same fixture files in the same namespaces, so the same catalog entities find the same
 * workloads. The Rollout gets a stable my-app:1.0.0 first, then my-app:1.1.0, which the real Argo
 * Rollouts controller pauses for promotion.
 */
import { ENTITY_ANNOTATION, fixture, SEED_BINDINGS } from '../scenarios';
import type { ControlPlane } from './startControlPlane';

async function must(plane: ControlPlane, args: string[], input?: string) {
  const r = await plane.kubectl(args, { input });
  if (r.code !== 0)
    throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

async function until(what: string, check: () => Promise<boolean>, ms = 90_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 250));
  }
}

export async function loadSeeds(plane: ControlPlane) {
  await must(plane, ['create', 'namespace', 'rollouts-demo']);
  await must(plane, ['create', 'namespace', 'istio-demo']);
  const apply = (namespace: string, ...files: string[][]) =>
    must(plane, [
      'apply',
      '-n',
      namespace,
      ...files.flatMap(f => ['-f', fixture(...f)]),
    ]);
  await apply(
    'default',
    ['seed-001', 'blue-deployment.yaml'],
    ['seed-001', 'green-deployment.yaml'],
    ['seed-001', 'service.yaml'],
    ['scenarios', 'preview-service.yaml'],
    ['seed-002', 'blue-env.yaml'],
    ['seed-002', 'green-env.yaml'],
  );
  await apply(
    'istio-demo',
    ['seed-001', 'blue-deployment.yaml'],
    ['seed-001', 'green-deployment.yaml'],
    ['scenarios', 'istio-service.yaml'],
    ['seed-001', 'destination-rule.yaml'],
    ['seed-001', 'virtual-service.yaml'],
  );
  await apply(
    'rollouts-demo',
    ['seed-001', 'analysis-template.yaml'],
    ['seed-001', 'services.yaml'],
  );
  const rollout = fixture('seed-001', 'rollout.yaml');
  const stable = (
    await must(plane, [
      'create',
      '-n',
      'rollouts-demo',
      '--dry-run=client',
      '-o',
      'json',
      '-f',
      rollout,
    ])
  ).replace('"my-app:1.1.0"', '"my-app:1.0.0"');
  await must(plane, ['apply', '-n', 'rollouts-demo', '-f', '-'], stable);
  const rolloutField = async (jsonpath: string) =>
    (
      await plane.kubectl([
        'get',
        'rollout',
        'my-app',
        '-n',
        'rollouts-demo',
        '-o',
        `jsonpath=${jsonpath}`,
      ])
    ).stdout;
  await until(
    'the seed Rollout to become stable',
    async () => (await rolloutField('{.status.phase}')) === 'Healthy',
  );
  await must(plane, ['apply', '-n', 'rollouts-demo', '-f', rollout]);
  for (const [namespace, names] of [
    [
      'default',
      [
        'my-app-blue',
        'my-app-green',
        'test-deployment-blue',
        'test-deployment-green',
      ],
    ],
    ['istio-demo', ['my-app-blue', 'my-app-green']],
  ] as const) {
    for (const name of names) {
      await must(plane, [
        'rollout',
        'status',
        '-n',
        namespace,
        `deployment/${name}`,
        '--timeout=90s',
      ]);
    }
  }
  await until(
    'the new Rollout revision paused with a ready preview',
    async () => {
      const [phase, preview, active] = (
        await rolloutField(
          '{.status.phase} {.status.blueGreen.previewSelector} {.status.blueGreen.activeSelector}',
        )
      ).split(' ');
      return phase === 'Paused' && Boolean(preview) && preview !== active;
    },
  );
  for (const { entityRef, namespace, objects } of SEED_BINDINGS) {
    for (const { resource, name } of objects) {
      await must(plane, [
        'annotate',
        '-n',
        namespace,
        `${resource}/${name}`,
        `${ENTITY_ANNOTATION}=${entityRef}`,
      ]);
    }
  }
}
