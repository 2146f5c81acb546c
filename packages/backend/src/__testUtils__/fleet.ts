import { Sandbox } from '@bluegreen-backstage/kube-sandbox';
import { writeAnnotatedComponents } from './security';

/**
 * Seed 001 §2's shape for one more service: Deployments `<name>-blue` / `<name>-green`
 * (my-app 1.0.0 / 1.1.0, requests 250m / 256Mi) behind Service `<name>` selecting blue, each
 * bound to the Component `<name>` (annotation blue-green.backstage.io/entity).
 */
export function serviceSelectorManifests(
  name: string,
  options: { namespace?: string; replicas?: number } = {},
) {
  const namespace = options.namespace ?? 'default';
  const annotations = {
    'blue-green.backstage.io/entity': `component:default/${name}`,
  };
  const deployment = (color: 'blue' | 'green') => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: `${name}-${color}`,
      namespace,
      labels: { app: name },
      annotations,
    },
    spec: {
      replicas: options.replicas ?? 2,
      selector: { matchLabels: { app: name, color } },
      template: {
        metadata: {
          labels: {
            app: name,
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
              resources: { requests: { cpu: '250m', memory: '256Mi' } },
            },
          ],
        },
      },
    },
  });
  return [
    deployment('blue'),
    deployment('green'),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace, annotations },
      spec: {
        selector: { app: name, color: 'blue' },
        ports: [{ port: 80, targetPort: 8080 }],
      },
    },
  ];
}

/** Creates objects through the sandbox's API, as `kubectl create` would. */
export async function createObjects(
  sandbox: Pick<Sandbox, 'url' | 'token'>,
  objects: Array<{ apiVersion: string; kind: string; metadata: any }>,
): Promise<void> {
  for (const object of objects) {
    const base = object.apiVersion.includes('/')
      ? `/apis/${object.apiVersion}`
      : `/api/${object.apiVersion}`;
    const plural = `${object.kind.toLowerCase()}s`;
    const scope = object.metadata.namespace
      ? `/namespaces/${object.metadata.namespace}`
      : '';
    const res = await fetch(`${sandbox.url}${base}${scope}/${plural}`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${sandbox.token}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify(object),
    });
    if (!res.ok) {
      throw new Error(
        `create ${object.kind} ${object.metadata.name}: ${
          res.status
        } ${await res.text()}`,
      );
    }
  }
}

/**
 * Where the benchmark puts its service number `i`: spread over `clusters` clusters (`bench-0` …)
 * and, in each, over namespaces of 50 services (`team-0` …), as teams' namespaces would.
 */
export function benchPlacement(i: number, clusters: number) {
  const inCluster = Math.floor(i / clusters);
  return {
    name: `svc-${i}`,
    cluster: `bench-${i % clusters}`,
    namespace: `team-${Math.floor(inCluster / 50)}`,
  };
}

/** Catalog components for services created with {@link serviceSelectorManifests}. */
export function writeComponents(
  file: string,
  components: Array<{
    name: string;
    cluster: string;
    owner: string;
    namespace?: string;
  }>,
): void {
  writeAnnotatedComponents(
    file,
    components.map(c => ({
      name: c.name,
      owner: c.owner,
      lifecycle: 'production',
      annotations: {
        'backstage.io/kubernetes-id': c.name,
        'backstage.io/kubernetes-cluster': c.cluster,
        ...(c.namespace && {
          'backstage.io/kubernetes-namespace': c.namespace,
        }),
        'blue-green.backstage.io/strategy': 'service-selector',
      },
    })),
  );
}

/**
 * Counts the API requests a sandbox serves from now on, at the sandbox: two no-op fault rules
 * (zero latency) whose hit counters are read back.
 */
export function countRequests(sandbox: Sandbox): () => {
  lists: number;
  other: number;
} {
  const [lists, other] = sandbox.faults.set([
    { kind: 'latency', delayMs: 0, verb: 'list' },
    { kind: 'latency', delayMs: 0 },
  ]);
  return () => {
    const rules = sandbox.faults.list();
    const hits = (id: number) => rules.find(r => r.id === id)?.hits ?? 0;
    return { lists: hits(lists), other: hits(other) };
  };
}

/**
 * The cluster-wide reads a sandbox received after request `since` (only the fleet reads across
 * namespaces): whole lists, one-item lists (a refresh checking that the cluster answers) and
 * watches, with the answer's status of each watch.
 */
export function clusterWideReads(
  sandbox: Pick<Sandbox, 'requests'>,
  since = 0,
): { lists: number; probes: number; watches: number; refusedWatches: number } {
  const reads = sandbox.requests
    .list(since)
    .filter(r => r.method === 'GET' && !r.path.includes('/namespaces/'));
  const lists = reads.filter(r => r.verb === 'list');
  const limited = lists.filter(r => new URLSearchParams(r.query).has('limit'));
  const watches = reads.filter(r => r.verb === 'watch');
  return {
    lists: lists.length - limited.length,
    probes: limited.length,
    watches: watches.length,
    refusedWatches: watches.filter(r => r.status === 403).length,
  };
}

/** Changes an object as `kubectl patch --type merge` would, not through the plugin. */
export async function mergePatch(
  sandbox: Pick<Sandbox, 'url' | 'token'>,
  path: string,
  patch: object,
): Promise<void> {
  const res = await fetch(`${sandbox.url}${path}`, {
    method: 'PATCH',
    headers: {
      Authorization: `Bearer ${sandbox.token}`,
      'Content-Type': 'application/merge-patch+json',
    },
    body: JSON.stringify(patch),
  });
  if (!res.ok)
    throw new Error(`PATCH ${path}: ${res.status} ${await res.text()}`);
}
