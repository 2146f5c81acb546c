import {
  KubeClient,
  KubeObject,
  KubeResource,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { ClusterSnapshot, KeptObject, parseKept } from './ClusterSnapshot';

/** One lookup a strategy's `read()` made in a snapshot, and the entries it was answered. */
export type Lookup =
  | {
      resource: KubeResource;
      namespace: string | undefined;
      name: string;
      found: KeptObject | undefined;
    }
  | {
      resource: KubeResource;
      namespace: string | undefined;
      labelSelector?: string;
      found: KeptObject[];
    };

/**
 * A cluster snapshot as one strategy `read()` sees it, noting each lookup and its answer: the
 * read's result holds for any later snapshot that answers the same lookups with the same entries
 * (see {@link sameAnswers}), because a read depends on nothing but the objects it looked up.
 */
export class RecordedSnapshot implements KubeClient {
  readonly lookups: Lookup[] = [];
  readonly #snapshot: ClusterSnapshot;

  constructor(snapshot: ClusterSnapshot) {
    this.#snapshot = snapshot;
  }

  get cluster() {
    return this.#snapshot.cluster;
  }

  async get<T extends KubeObject = KubeObject>(
    resource: KubeResource,
    namespace: string | undefined,
    name: string,
  ): Promise<T | undefined> {
    const found = this.#snapshot.entry(resource, namespace, name);
    this.lookups.push({ resource, namespace, name, found });
    return found && (parseKept(found) as T);
  }

  async list<T extends KubeObject = KubeObject>(
    resource: KubeResource,
    namespace: string | undefined,
    options?: { labelSelector?: string; fieldSelector?: string },
  ): Promise<{ items: T[] }> {
    if (options?.fieldSelector) {
      throw new Error('the fleet snapshot does not answer field selectors');
    }
    const labelSelector = options?.labelSelector;
    const found = this.#snapshot.entries(resource, namespace, labelSelector);
    this.lookups.push({ resource, namespace, labelSelector, found });
    return { items: found.map(parseKept) as T[] };
  }

  patch(): Promise<never> {
    return this.#snapshot.patch();
  }

  create(): Promise<never> {
    return this.#snapshot.create();
  }

  replace(): Promise<never> {
    return this.#snapshot.replace();
  }

  proxyGet(): Promise<never> {
    return this.#snapshot.proxyGet();
  }

  podLog(): Promise<never> {
    return this.#snapshot.podLog();
  }
}

/** Whether `snapshot` answers every lookup with the very entries it was answered before. */
export function sameAnswers(
  lookups: readonly Lookup[],
  snapshot: ClusterSnapshot,
): boolean {
  for (const lookup of lookups) {
    if ('name' in lookup) {
      const found = snapshot.entry(
        lookup.resource,
        lookup.namespace,
        lookup.name,
      );
      if (found !== lookup.found) return false;
    } else {
      const found = snapshot.entries(
        lookup.resource,
        lookup.namespace,
        lookup.labelSelector,
      );
      if (found.length !== lookup.found.length) return false;
      for (let i = 0; i < found.length; i++) {
        if (found[i] !== lookup.found[i]) return false;
      }
    }
  }
  return true;
}
