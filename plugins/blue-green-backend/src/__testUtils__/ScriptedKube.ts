import { NotAllowedError, ServiceUnavailableError } from '@backstage/errors';
import {
  KubeResource,
  WatchEvent,
} from '@bluegreen-backstage/plugin-blue-green-node';

/** A Service at resourceVersion `rv`. */
export const service = (name: string, rv: string, namespace = 'default') => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace, resourceVersion: rv },
  spec: { selector: { app: name, color: 'blue' } },
});

export type OpenWatch = {
  plural: string;
  resourceVersion: string;
  onEvent: (event: WatchEvent) => void;
  close: () => void;
  fail: (error: Error) => void;
  stopped: boolean;
};

/** A cluster whose lists answer resourceVersion 5 and whose watches the test drives. */
export class ScriptedKube {
  readonly cluster = 'test';
  readonly watches: OpenWatch[] = [];
  failLists = false;
  /** Kinds of API groups the cluster does not serve: listed as nothing, without a resourceVersion. */
  unserved = new Set<string>();

  /** Each list asked for: the kind's plural, `?limit=1` for a one-item list. */
  readonly lists: string[] = [];
  /** Watches are refused as a ClusterRole without the watch verb refuses them. */
  refuseWatches = false;

  async list(
    resource: KubeResource,
    _namespace?: string,
    options?: { limit?: number },
  ) {
    this.lists.push(
      `${resource.plural}${options?.limit ? `?limit=${options.limit}` : ''}`,
    );
    if (this.failLists)
      throw new ServiceUnavailableError('cluster test is unreachable');
    if (this.unserved.has(resource.plural)) return { items: [] };
    const items =
      resource.plural === 'services'
        ? [service('a', '1'), service('b', '2'), service('c', '3', 'shop')]
        : [];
    return { items, resourceVersion: '5' };
  }

  watch(
    resource: KubeResource,
    _namespace: string | undefined,
    options: { resourceVersion: string },
    onEvent: (event: WatchEvent) => void,
  ) {
    let close!: () => void;
    let fail!: (error: Error) => void;
    const done = new Promise<void>((resolve, reject) => {
      close = resolve;
      fail = reject;
    });
    const open: OpenWatch = {
      plural: resource.plural,
      resourceVersion: options.resourceVersion,
      onEvent,
      close,
      fail,
      stopped: false,
    };
    this.watches.push(open);
    if (this.refuseWatches) {
      fail(new NotAllowedError(`cannot watch resource "${resource.plural}"`));
    }
    return {
      done,
      stop: () => {
        open.stopped = true;
        close();
      },
    };
  }

  open(plural: string) {
    return this.watches.filter(w => w.plural === plural && !w.stopped);
  }
}
