/**
 * Scenarios: the seed fixtures loaded at start, through the same apply code path as
 * `kubectl apply -f`.
 */
import fs from 'fs';
import path from 'path';
import { applyManifests, parseManifests, applyObject } from './apply';
import { MERGE_PATCH } from './api/patch';
import type { ResourceService } from './api/service';
import type { Store } from './api/store';

export type Scenario = 'seeds' | 'empty';

/** The package's fixtures directory (seed YAML, switch-traffic.sh). */
// The package runs from source (node-library, not bundled), so fixtures sit beside src/.
// eslint-disable-next-line no-restricted-syntax
export const FIXTURES_DIR = path.resolve(__dirname, '..', 'fixtures');

export function fixture(...p: string[]): string {
  return path.join(FIXTURES_DIR, ...p);
}

function read(...p: string[]) {
  return fs.readFileSync(fixture(...p), 'utf8');
}

/** The annotation that binds a cluster object to the catalog entity it belongs to. */
export const ENTITY_ANNOTATION = 'blue-green.backstage.io/entity';

/**
 * Which catalog entity (examples/blue-green/entities.yaml) each seed object belongs to, as its
 * owners would say with `kubectl annotate`: the Blue/Green plugins change an object only for the
 * entity it names. `resource` is the API resource (`kubectl annotate <resource>/<name>`).
 */
export const SEED_BINDINGS: Array<{
  entityRef: string;
  namespace: string;
  objects: Array<{ resource: string; name: string }>;
}> = [
  {
    entityRef: 'component:default/my-app',
    namespace: 'default',
    objects: [
      { resource: 'services', name: 'my-app' },
      { resource: 'services', name: 'my-app-preview' },
      { resource: 'deployments.apps', name: 'my-app-blue' },
      { resource: 'deployments.apps', name: 'my-app-green' },
    ],
  },
  {
    entityRef: 'component:default/test-pod',
    namespace: 'default',
    objects: [
      { resource: 'services', name: 'test-service' },
      { resource: 'deployments.apps', name: 'test-deployment-blue' },
      { resource: 'deployments.apps', name: 'test-deployment-green' },
    ],
  },
  {
    entityRef: 'component:default/my-app-mesh',
    namespace: 'istio-demo',
    objects: [
      { resource: 'virtualservices.networking.istio.io', name: 'my-app' },
      { resource: 'destinationrules.networking.istio.io', name: 'my-app' },
      { resource: 'services', name: 'my-app' },
      { resource: 'deployments.apps', name: 'my-app-blue' },
      { resource: 'deployments.apps', name: 'my-app-green' },
    ],
  },
  {
    entityRef: 'component:default/my-app-rollout',
    namespace: 'rollouts-demo',
    objects: [
      { resource: 'rollouts.argoproj.io', name: 'my-app' },
      { resource: 'services', name: 'my-app-active' },
      { resource: 'services', name: 'my-app-preview' },
    ],
  },
];

/** `kubectl annotate` of every seed object with the entity it belongs to. */
function bindSeeds(api: ResourceService) {
  for (const { entityRef, namespace, objects } of SEED_BINDINGS) {
    for (const { resource, name } of objects) {
      api.patch(
        api.registry.byKey(resource),
        namespace,
        name,
        MERGE_PATCH,
        JSON.stringify({
          metadata: { annotations: { [ENTITY_ANNOTATION]: entityRef } },
        }),
      );
    }
  }
}

/** Loads a scenario through the API server's own create and apply paths. */
export async function loadScenario(
  cluster: { api: ResourceService; store: Store },
  scenario: Scenario,
) {
  if (scenario === 'empty') return;
  const { api, store } = cluster;
  const nsType = api.registry.byKey('namespaces');
  for (const ns of ['rollouts-demo', 'istio-demo']) {
    api.create(nsType, undefined, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns, labels: { 'kubernetes.io/metadata.name': ns } },
    });
  }
  // default: seed 001 §2 (Service selector switch) and seed 002 (nginx blue/green).
  for (const f of [
    'blue-deployment.yaml',
    'green-deployment.yaml',
    'service.yaml',
  ]) {
    applyManifests(api, read('seed-001', f), 'default');
  }
  applyManifests(api, read('scenarios', 'preview-service.yaml'), 'default');
  for (const f of ['blue-env.yaml', 'green-env.yaml'])
    applyManifests(api, read('seed-002', f), 'default');

  // istio-demo: seed 001 §4 with the §2 Deployments behind one Service.
  for (const f of ['blue-deployment.yaml', 'green-deployment.yaml'])
    applyManifests(api, read('seed-001', f), 'istio-demo');
  applyManifests(api, read('scenarios', 'istio-service.yaml'), 'istio-demo');
  for (const f of ['destination-rule.yaml', 'virtual-service.yaml'])
    applyManifests(api, read('seed-001', f), 'istio-demo');

  // rollouts-demo: seed 001 §3 — a stable my-app:1.0.0, then my-app:1.1.0 paused for promotion.
  applyManifests(
    api,
    read('seed-001', 'analysis-template.yaml'),
    'rollouts-demo',
  );
  applyManifests(api, read('seed-001', 'services.yaml'), 'rollouts-demo');
  const [rollout] = parseManifests(read('seed-001', 'rollout.yaml'));
  const stable = JSON.parse(JSON.stringify(rollout));
  stable.spec.template.spec.containers[0].image = 'my-app:1.0.0';
  applyObject(api, stable, 'rollouts-demo');
  const deadline = Date.now() + 30000;
  while (
    !store.peek('rollouts.argoproj.io', 'rollouts-demo', 'my-app')?.obj.status
      ?.stableRS
  ) {
    if (Date.now() > deadline)
      throw new Error('seed Rollout did not become stable');
    await new Promise(r => setTimeout(r, 20));
  }
  applyObject(api, rollout, 'rollouts-demo');
  bindSeeds(api);
}
