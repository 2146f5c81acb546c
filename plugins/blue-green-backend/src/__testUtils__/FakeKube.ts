import { ServiceUnavailableError } from '@backstage/errors';
import {
  KubeClient,
  KubeObject,
  KubeResource,
  matchesLabels,
  parseLabelSelector,
} from '@bluegreen-backstage/plugin-blue-green-node';

/** An in-memory cluster for unit tests: objects by plural, every call counted. */
export class FakeKube implements KubeClient {
  readonly cluster: string;
  objects: Record<string, KubeObject[]>;
  calls: Array<{ verb: string; plural: string; labelSelector?: string }> = [];
  /** Set to make every call fail the way an unreachable cluster does; 'hang' never answers. */
  down?: 'error' | 'hang';

  constructor(cluster: string, objects: Record<string, KubeObject[]> = {}) {
    this.cluster = cluster;
    this.objects = objects;
  }

  async #answer() {
    if (this.down === 'hang') await new Promise(() => {});
    if (this.down === 'error') {
      throw new ServiceUnavailableError(
        `cluster ${this.cluster} is unreachable: connect ECONNREFUSED`,
      );
    }
  }

  async get<T extends KubeObject>(
    resource: KubeResource,
    namespace: string | undefined,
    name: string,
  ): Promise<T | undefined> {
    this.calls.push({ verb: 'get', plural: resource.plural });
    await this.#answer();
    return (this.objects[resource.plural] ?? []).find(
      o => o.metadata.namespace === namespace && o.metadata.name === name,
    ) as T | undefined;
  }

  async list<T extends KubeObject>(
    resource: KubeResource,
    namespace: string | undefined,
    options?: { labelSelector?: string },
  ): Promise<{ items: T[] }> {
    this.calls.push({
      verb: 'list',
      plural: resource.plural,
      labelSelector: options?.labelSelector,
    });
    await this.#answer();
    const selector = parseLabelSelector(options?.labelSelector);
    const matches = (labels: Record<string, string>) =>
      matchesLabels(selector, labels);
    return {
      items: (this.objects[resource.plural] ?? []).filter(
        o =>
          (namespace === undefined || o.metadata.namespace === namespace) &&
          matches(o.metadata.labels ?? {}),
      ) as T[],
    };
  }

  async patch(..._args: unknown[]): Promise<any> {
    throw new Error('not in unit tests');
  }

  async create(): Promise<never> {
    throw new Error('not in unit tests');
  }

  async replace(): Promise<never> {
    throw new Error('not in unit tests');
  }

  async proxyGet(): Promise<never> {
    throw new Error('not in unit tests');
  }

  async podLog(): Promise<never> {
    throw new Error('not in unit tests');
  }
}

/** The seed's service-selector pair: `<name>-blue` / `<name>-green` behind Service `<name>`. */
export function serviceSelectorObjects(
  name: string,
  options: {
    namespace?: string;
    live?: 'blue' | 'green';
    versions?: { blue: string; green: string };
    replicas?: { blue: number; green: number };
    ready?: { blue: number; green: number };
  } = {},
): Record<string, KubeObject[]> {
  const namespace = options.namespace ?? 'default';
  const versions = options.versions ?? { blue: 'v1.0.0', green: 'v1.1.0' };
  const replicas = options.replicas ?? { blue: 3, green: 3 };
  const ready = options.ready ?? replicas;
  const deployment = (color: 'blue' | 'green'): KubeObject => ({
    metadata: { name: `${name}-${color}`, namespace, labels: { app: name } },
    spec: {
      replicas: replicas[color],
      selector: { matchLabels: { app: name, color } },
      template: {
        metadata: { labels: { app: name, color, version: versions[color] } },
        spec: {
          containers: [
            {
              name: 'app',
              image: `my-app:${versions[color]}`,
              resources: { requests: { cpu: '250m', memory: '256Mi' } },
            },
          ],
        },
      },
    },
    status: {
      replicas: replicas[color],
      readyReplicas: ready[color],
      availableReplicas: ready[color],
    },
  });
  return {
    services: [
      {
        metadata: { name, namespace },
        spec: { selector: { app: name, color: options.live ?? 'blue' } },
      },
    ],
    deployments: [deployment('blue'), deployment('green')],
  };
}

/** Merges object maps of several services into one cluster's. */
export function mergeObjects(
  ...maps: Array<Record<string, KubeObject[]>>
): Record<string, KubeObject[]> {
  const result: Record<string, KubeObject[]> = {};
  for (const map of maps) {
    for (const [plural, items] of Object.entries(map)) {
      result[plural] = [...(result[plural] ?? []), ...items];
    }
  }
  return result;
}
