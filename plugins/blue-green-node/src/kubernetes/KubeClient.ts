import { KubeResource } from './resources';

/**
 * The fields every Kubernetes object has.
 *
 * @public
 */
export type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: Array<{
      apiVersion: string;
      kind: string;
      name: string;
      uid: string;
      controller?: boolean;
    }>;
  };
  spec?: any;
  status?: any;
  [key: string]: any;
};

/**
 * A JSON patch (RFC 6902) operation.
 *
 * @public
 */
export type JsonPatchOperation =
  | { op: 'test' | 'add' | 'replace'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

/**
 * How a PATCH body is to be read by the API server.
 *
 * @public
 */
export type PatchType = 'json' | 'merge' | 'strategic';

/**
 * Options of {@link KubeClient.list}.
 *
 * @public
 */
export type ListOptions<T extends KubeObject = KubeObject> = {
  labelSelector?: string;
  fieldSelector?: string;
  /** At most this many items (the API server's `limit`), e.g. to check that a cluster answers. */
  limit?: number;
  /**
   * Objects of an earlier list, by the digest of the bytes each was sent as (the `digests` that
   * list answered). An item sent again byte for byte is answered with this object instead of
   * being parsed again. Clients that do not digest items ignore it and answer no `digests`.
   */
  reuse?: ReadonlyMap<string, T>;
};

/**
 * Options of {@link KubeClient.watch}.
 *
 * @public
 */
export type WatchOptions = {
  /** Where to start: the resourceVersion a list answered, or the last one a watch reported. */
  resourceVersion: string;
  labelSelector?: string;
  /** The API server ends the watch after this long; the caller starts the next one. */
  timeoutSeconds: number;
};

/**
 * One change a watch reports (`?watch=true`), as the API server sends it. `BOOKMARK` carries only
 * the resourceVersion the watch has reached.
 *
 * @public
 */
export type WatchEvent<T extends KubeObject = KubeObject> = {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
  object: T;
};

/**
 * A watch that is running (see {@link KubeClient.watch}).
 *
 * @public
 */
export type KubeWatch = {
  /**
   * Settles when the watch ends. Resolves when the API server closes it (at `timeoutSeconds`) or
   * `stop()` was called. Rejects with why otherwise: a `NotAllowedError` when the cluster refuses
   * the `watch` verb, a `ConflictError` when the resourceVersion is too old to resume from (list
   * again), a `ServiceUnavailableError` when the connection drops or goes silent.
   */
  readonly done: Promise<void>;
  /** Ends the watch. */
  stop(): void;
};

/**
 * Access to one cluster, with the plugin's own credentials for it.
 * Errors are `@backstage/errors` classes: a refused JSON-patch `test` or a stale resourceVersion is a
 * `ConflictError`, an unreachable or slow cluster a `ServiceUnavailableError` naming the cluster.
 *
 * @public
 */
export interface KubeClient {
  readonly cluster: string;

  /**
   * Set when the plugin has no backend-side credentials for this cluster (only user-side auth
   * such as `google` or `oidc`): it reads with the requesting user's token, refuses every write
   * (`NotAllowedError`), and this says why and what to configure.
   */
  readonly readOnly?: string;

  /** The object, or undefined when it does not exist. */
  get<T extends KubeObject = KubeObject>(
    resource: KubeResource,
    namespace: string | undefined,
    name: string,
  ): Promise<T | undefined>;

  /**
   * The objects of a kind. With `options.reuse`, a client that supports it also answers each
   * item's digest (SHA-256 of its bytes as sent, base64), in the items' order.
   */
  list<T extends KubeObject = KubeObject>(
    resource: KubeResource,
    namespace: string | undefined,
    options?: ListOptions<T>,
  ): Promise<{ items: T[]; resourceVersion?: string; digests?: string[] }>;

  /**
   * Follows the changes to the objects of a kind from `resourceVersion` on (the one a list
   * answered), as informers do. Optional: a client without it is listed again instead.
   */
  watch?(
    resource: KubeResource,
    namespace: string | undefined,
    options: WatchOptions,
    onEvent: (event: WatchEvent) => void,
  ): KubeWatch;

  patch<T extends KubeObject = KubeObject>(
    resource: KubeResource,
    namespace: string | undefined,
    name: string,
    patch: JsonPatchOperation[] | object,
    options: { type: PatchType; subresource?: 'status' | 'scale' },
  ): Promise<T>;

  create<T extends KubeObject = KubeObject>(
    resource: KubeResource,
    namespace: string | undefined,
    body: KubeObject,
    options?: { dryRun?: boolean; fieldManager?: string },
  ): Promise<T>;

  replace<T extends KubeObject = KubeObject>(
    resource: KubeResource,
    namespace: string | undefined,
    name: string,
    body: KubeObject,
    options?: { dryRun?: boolean; fieldManager?: string },
  ): Promise<T>;

  /**
   * GET through the API server's proxy subresource of a Service or Pod
   * (`/api/v1/namespaces/NS/services/NAME:PORT/proxy/PATH`), as `kubectl proxy` users do.
   */
  proxyGet(target: {
    kind: 'services' | 'pods';
    namespace: string;
    name: string;
    port?: string | number;
    path: string;
  }): Promise<{ status: number; body: string }>;

  /**
   * The recent log of a pod's container (`GET …/pods/NAME/log`, what `kubectl logs` reads), each
   * line prefixed with its RFC 3339 time when `timestamps` is set. Bounded by the API server:
   * `sinceSeconds`, `tailLines` and `limitBytes`; the client stops reading past `limitBytes` too.
   */
  podLog(target: {
    namespace: string;
    name: string;
    container?: string;
    sinceSeconds?: number;
    tailLines?: number;
    limitBytes: number;
    timestamps?: boolean;
  }): Promise<string>;
}
