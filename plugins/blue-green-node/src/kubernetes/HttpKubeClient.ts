import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import http from 'node:http';
import https from 'node:https';
import {
  JsonPatchOperation,
  KubeClient,
  KubeObject,
  KubeWatch,
  ListOptions,
  PatchType,
  WatchEvent,
  WatchOptions,
} from './KubeClient';
import { ListBodyParser } from './ListBodyParser';
import { KubeResource, resourcePath } from './resources';

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

/**
 * Where and how to send a cluster's requests: the API server's URL, and per request the
 * keep-alive agent carrying the TLS settings and the credential's headers.
 */
export type ClusterEndpoint = {
  cluster: string;
  baseUrl: URL;
  connect: () => Promise<{
    agent: http.Agent;
    headers: Record<string, string>;
  }>;
  /** The cluster answered 401: the credential it was sent is no longer good. */
  onUnauthorized?: () => void;
  timeoutMs: number;
  /** Set when the plugin may only read this cluster: why, and what to configure. */
  readOnly?: string;
};

type RawResponse = { status: number; body: string };

/** A successful list response, parsed item by item as it arrived (see {@link ListBodyParser}). */
type ListResponse = RawResponse & {
  list?: { items: unknown[]; metadata?: { resourceVersion?: string } };
  digests?: string[];
};

/** What the API server said, from its Status body. */
function messageOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body);
    if (parsed?.kind === 'Status' && typeof parsed.message === 'string') {
      return parsed.message;
    }
  } catch {
    // not JSON
  }
  return body.slice(0, 200) || undefined;
}

/**
 * A {@link KubeClient} over Node's HTTP(S), one keep-alive connection pool per cluster.
 *
 * Requests are written by hand rather than through client-node's generated API clients for
 * memory: a cluster-wide list is parsed item by item as it arrives ({@link ListBodyParser})
 * instead of as one body string of megabytes, then one parsed tree. Measured with the fleet
 * benchmark (`yarn workspace backend bench:fleet`, 1,000 services): the fleet's share of the
 * backend's RSS was +81 to +111 MB with it, +133 MB without (docs/benchmarks.md). The connection
 * (TLS, CA, tls-server-name, proxies, client certificates) comes from client-node, the
 * credentials from the Kubernetes plugin's auth strategies.
 */
export class HttpKubeClient implements KubeClient {
  readonly cluster: string;
  readonly readOnly?: string;
  readonly #endpoint: ClusterEndpoint;

  constructor(endpoint: ClusterEndpoint) {
    this.cluster = endpoint.cluster;
    this.readOnly = endpoint.readOnly;
    this.#endpoint = endpoint;
  }

  /** Writes are refused before anything is sent when the plugin may only read the cluster. */
  #writable() {
    if (this.readOnly) throw new NotAllowedError(this.readOnly);
  }

  async get<T extends KubeObject>(
    resource: KubeResource,
    namespace: string | undefined,
    name: string,
  ): Promise<T | undefined> {
    const res = await this.#request(
      'GET',
      resourcePath(resource, namespace, name),
    );
    if (res.status === 404) return undefined;
    return this.#json<T>(res, `get ${resource.kind} ${name}`);
  }

  async list<T extends KubeObject>(
    resource: KubeResource,
    namespace: string | undefined,
    options?: ListOptions<T>,
  ): Promise<{ items: T[]; resourceVersion?: string; digests?: string[] }> {
    const query = new URLSearchParams();
    if (options?.labelSelector)
      query.set('labelSelector', options.labelSelector);
    if (options?.fieldSelector)
      query.set('fieldSelector', options.fieldSelector);
    if (options?.limit !== undefined) query.set('limit', String(options.limit));
    const res: ListResponse = await this.#request(
      'GET',
      resourcePath(resource, namespace),
      { query, parseList: true, reuse: options?.reuse },
    );
    if (res.status === 404 && resource.group !== '') {
      // The API group is not installed on this cluster (no Argo Rollouts, no Istio): nothing to list.
      return { items: [] };
    }
    const list =
      res.list ??
      this.#json<{
        items: T[];
        metadata?: { resourceVersion?: string };
      }>(res, `list ${resource.plural}`);
    return {
      items: (list.items ?? []) as T[],
      resourceVersion: list.metadata?.resourceVersion,
      ...(res.list && res.digests && { digests: res.digests }),
    };
  }

  watch(
    resource: KubeResource,
    namespace: string | undefined,
    options: WatchOptions,
    onEvent: (event: WatchEvent) => void,
  ): KubeWatch {
    const path = resourcePath(resource, namespace);
    const query = new URLSearchParams({
      watch: 'true',
      allowWatchBookmarks: 'true',
      resourceVersion: options.resourceVersion,
      timeoutSeconds: String(options.timeoutSeconds),
    });
    if (options.labelSelector)
      query.set('labelSelector', options.labelSelector);
    const url = this.#url(path, query);
    const what = `watch ${resource.plural}`;
    let stopped = false;
    let request: http.ClientRequest | undefined;
    const done = this.#endpoint.connect().then(
      ({ agent, headers }) =>
        new Promise<void>((resolve, reject) => {
          if (stopped) {
            resolve();
            return;
          }
          const end = (error?: Error) => {
            if (stopped || !error) resolve();
            else reject(error);
            stopped = true;
            request?.destroy();
          };
          const transport = url.protocol === 'https:' ? https : http;
          request = transport.request(
            url,
            {
              method: 'GET',
              agent,
              headers: { ...headers, Accept: 'application/json' },
            },
            res => {
              const status = res.statusCode ?? 0;
              const pieces: Buffer[] = [];
              if (status < 200 || status >= 300) {
                res.on('data', (chunk: Buffer) => pieces.push(chunk));
                res.on('end', () =>
                  end(
                    this.#refusal(
                      { status, body: Buffer.concat(pieces).toString('utf8') },
                      what,
                      { refusedWatch: true },
                    ),
                  ),
                );
                return;
              }
              // One event per line; a line may arrive in several chunks.
              res.on('data', (chunk: Buffer) => {
                let start = 0;
                let newline = chunk.indexOf(10);
                while (newline >= 0 && !stopped) {
                  pieces.push(chunk.subarray(start, newline));
                  const line = Buffer.concat(pieces).toString('utf8');
                  pieces.length = 0;
                  if (line.trim()) {
                    const error = this.#watchEvent(line, what, onEvent);
                    if (error) {
                      end(error);
                      return;
                    }
                  }
                  start = newline + 1;
                  newline = chunk.indexOf(10, start);
                }
                if (start < chunk.length) pieces.push(chunk.subarray(start));
              });
              res.on('end', () => end());
              res.on('close', () =>
                end(
                  res.complete
                    ? undefined
                    : new ServiceUnavailableError(
                        `cluster ${this.cluster} dropped the connection during ${what}`,
                      ),
                ),
              );
            },
          );
          // The API server ends the watch at timeoutSeconds; silence well past that is a dead
          // connection.
          request.setTimeout((options.timeoutSeconds + 30) * 1000, () =>
            end(
              new ServiceUnavailableError(
                `cluster ${this.cluster} went silent during ${what}`,
              ),
            ),
          );
          request.on('error', error =>
            end(
              new ServiceUnavailableError(
                `cluster ${this.cluster} is unreachable: ${error.message}`,
              ),
            ),
          );
          request.end();
        }),
    );
    return {
      done,
      stop: () => {
        stopped = true;
        request?.destroy();
      },
    };
  }

  /** Hands one line of a watch to `onEvent`; answers why the watch must end, if it must. */
  #watchEvent(
    line: string,
    what: string,
    onEvent: (event: WatchEvent) => void,
  ): Error | undefined {
    let event: { type?: string; object?: any };
    try {
      event = JSON.parse(line);
    } catch (error) {
      return new ServiceUnavailableError(
        `cluster ${this.cluster} sent an unreadable event during ${what}: ${
          (error as Error).message
        }`,
      );
    }
    const { type, object } = event;
    if (type === 'ERROR') {
      const detail = `cluster ${this.cluster}: ${what}: ${
        object?.message ?? 'error'
      }`;
      // 410 Gone: the resourceVersion is older than the API server keeps; list again.
      return object?.code === 410
        ? new ConflictError(detail)
        : new ServiceUnavailableError(detail);
    }
    if (
      (type === 'ADDED' ||
        type === 'MODIFIED' ||
        type === 'DELETED' ||
        type === 'BOOKMARK') &&
      object?.metadata
    ) {
      try {
        onEvent({ type, object });
      } catch (error) {
        // Thrown inside a socket's data handler it would end the process: it ends the watch.
        return error as Error;
      }
    }
    return undefined;
  }

  async patch<T extends KubeObject>(
    resource: KubeResource,
    namespace: string | undefined,
    name: string,
    patch: JsonPatchOperation[] | object,
    options: { type: PatchType; subresource?: 'status' | 'scale' },
  ): Promise<T> {
    this.#writable();
    const res = await this.#request(
      'PATCH',
      resourcePath(resource, namespace, name, options.subresource),
      {
        body: JSON.stringify(patch),
        contentType: PATCH_CONTENT_TYPES[options.type],
      },
    );
    if (res.status === 422 && options.type === 'json') {
      // kube-apiserver answers a failed JSON-patch `test` with a bare 422 Invalid: the object is
      // no longer in the state the patch was decided on.
      throw new ConflictError(
        `${resource.kind} ${namespace}/${name} changed since it was read; reload and try again`,
      );
    }
    return this.#json<T>(res, `patch ${resource.kind} ${name}`);
  }

  async create<T extends KubeObject>(
    resource: KubeResource,
    namespace: string | undefined,
    body: KubeObject,
    options?: { dryRun?: boolean; fieldManager?: string },
  ): Promise<T> {
    this.#writable();
    const query = new URLSearchParams();
    if (options?.dryRun) query.set('dryRun', 'All');
    if (options?.fieldManager) query.set('fieldManager', options.fieldManager);
    const res = await this.#request('POST', resourcePath(resource, namespace), {
      query,
      body: JSON.stringify(body),
      contentType: 'application/json',
    });
    return this.#json<T>(res, `create ${resource.kind} ${body.metadata.name}`);
  }

  async replace<T extends KubeObject>(
    resource: KubeResource,
    namespace: string | undefined,
    name: string,
    body: KubeObject,
    options?: { dryRun?: boolean; fieldManager?: string },
  ): Promise<T> {
    this.#writable();
    const query = new URLSearchParams();
    if (options?.dryRun) query.set('dryRun', 'All');
    if (options?.fieldManager) query.set('fieldManager', options.fieldManager);
    const res = await this.#request(
      'PUT',
      resourcePath(resource, namespace, name),
      { query, body: JSON.stringify(body), contentType: 'application/json' },
    );
    return this.#json<T>(res, `replace ${resource.kind} ${name}`);
  }

  async proxyGet(target: {
    kind: 'services' | 'pods';
    namespace: string;
    name: string;
    port?: string | number;
    path: string;
  }): Promise<{ status: number; body: string }> {
    const name =
      target.port === undefined ? target.name : `${target.name}:${target.port}`;
    const proxy = `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/${
      target.kind
    }/${encodeURIComponent(name)}/proxy`;
    // URL parsing resolves `..` (and `%2e%2e`): a path that climbs out of the proxy would read
    // any API server path with the plugin's credentials.
    const resolved = new URL(`${proxy}${target.path}`, 'http://cluster')
      .pathname;
    if (resolved !== proxy && !resolved.startsWith(`${proxy}/`)) {
      throw new InputError(
        `proxy path "${target.path}" leaves ${proxy}; use a path without '..' segments`,
      );
    }
    return this.#request('GET', `${proxy}${target.path}`, { accept: '*/*' });
  }

  async podLog(target: {
    namespace: string;
    name: string;
    container?: string;
    sinceSeconds?: number;
    tailLines?: number;
    limitBytes: number;
    timestamps?: boolean;
  }): Promise<string> {
    const query = new URLSearchParams({
      limitBytes: String(target.limitBytes),
    });
    if (target.container) query.set('container', target.container);
    if (target.sinceSeconds !== undefined) {
      query.set('sinceSeconds', String(target.sinceSeconds));
    }
    if (target.tailLines !== undefined) {
      query.set('tailLines', String(target.tailLines));
    }
    if (target.timestamps) query.set('timestamps', 'true');
    const res = await this.#request(
      'GET',
      `/api/v1/namespaces/${encodeURIComponent(
        target.namespace,
      )}/pods/${encodeURIComponent(target.name)}/log`,
      { query, accept: '*/*', maxBytes: target.limitBytes },
    );
    if (res.status >= 200 && res.status < 300) return res.body;
    return this.#json<never>(res, `get pods/log ${target.name}`);
  }

  #json<T>(res: RawResponse, what: string): T {
    if (res.status >= 200 && res.status < 300) {
      return JSON.parse(res.body) as T;
    }
    throw this.#refusal(res, what);
  }

  /** The error for an answer that is not a success, saying what the API server said. */
  #refusal(
    res: RawResponse,
    what: string,
    options?: { refusedWatch?: boolean },
  ): Error {
    const message = messageOf(res.body);
    const detail = `cluster ${this.cluster}: ${what}: ${
      message ?? `HTTP ${res.status}`
    }`;
    switch (res.status) {
      case 400:
      case 422:
        return new InputError(detail);
      case 404:
        return new NotFoundError(detail);
      case 409:
      case 410:
        return new ConflictError(detail);
      case 401:
      case 403:
        if (res.status === 401) this.#endpoint.onUnauthorized?.();
        // A user's own token (read-only clusters): the user's access. A watch the plugin's role
        // does not grant: the caller lists instead. Otherwise the cluster refused the plugin's
        // own credentials: a configuration problem, not the user's.
        if (this.readOnly || (options?.refusedWatch && res.status === 403)) {
          return new NotAllowedError(detail);
        }
        return new ServiceUnavailableError(
          `${detail} (the cluster refused the plugin's credentials: bind them to the Blue/Green ClusterRole, plugins/blue-green-backend/manifests/rbac)`,
        );
      default:
        return new ServiceUnavailableError(detail);
    }
  }

  #url(path: string, query?: URLSearchParams): URL {
    const { baseUrl } = this.#endpoint;
    const url = new URL(baseUrl.toString());
    url.pathname = `${baseUrl.pathname.replace(/\/$/, '')}${path}`;
    const search = query?.toString();
    if (search) url.search = search;
    return url;
  }

  #request(
    method: string,
    path: string,
    options?: {
      query?: URLSearchParams;
      body?: string;
      contentType?: string;
      accept?: string;
      /** A successful answer is a list: parse it item by item as it arrives, keep no body. */
      parseList?: boolean;
      /** Keep at most this many bytes of a successful answer, and stop reading there. */
      maxBytes?: number;
      /** With `parseList`: the earlier list's objects by digest (see {@link ListOptions}). */
      reuse?: ReadonlyMap<string, unknown>;
    },
  ): Promise<ListResponse> {
    const { timeoutMs } = this.#endpoint;
    const url = this.#url(path, options?.query);

    return this.#endpoint.connect().then(
      ({ agent, headers }) =>
        new Promise<ListResponse>((resolve, reject) => {
          const transport = url.protocol === 'https:' ? https : http;
          const req = transport.request(
            url,
            {
              method,
              agent,
              headers: {
                ...headers,
                Accept: options?.accept ?? 'application/json',
                ...(options?.contentType && {
                  'Content-Type': options.contentType,
                }),
              },
            },
            res => {
              const status = res.statusCode ?? 0;
              const parser =
                options?.parseList && status >= 200 && status < 300
                  ? new ListBodyParser({ reuse: options.reuse })
                  : undefined;
              const chunks: Buffer[] = [];
              let kept = 0;
              const limit =
                status >= 200 && status < 300 ? options?.maxBytes : undefined;
              // An answer that is not the list it says it is: the cluster's fault, not the caller's.
              const unreadable = (error: unknown) =>
                new ServiceUnavailableError(
                  `cluster ${
                    this.cluster
                  } answered ${method} ${path} with an unreadable list: ${
                    (error as Error).message
                  }`,
                );
              res.on('data', (chunk: Buffer) => {
                if (!parser) {
                  if (limit !== undefined && kept + chunk.length >= limit) {
                    // An API server that ignores limitBytes: keep what was asked for, no more.
                    chunks.push(chunk.subarray(0, limit - kept));
                    kept = limit;
                    res.destroy();
                    resolve({
                      status,
                      body: Buffer.concat(chunks).toString('utf8'),
                    });
                    return;
                  }
                  kept += chunk.length;
                  chunks.push(chunk);
                  return;
                }
                try {
                  parser.push(chunk);
                } catch (error) {
                  res.destroy();
                  reject(unreadable(error));
                }
              });
              res.on('error', error =>
                reject(
                  new ServiceUnavailableError(
                    `cluster ${this.cluster} dropped the connection during ${method} ${path}: ${error.message}`,
                  ),
                ),
              );
              res.on('end', () => {
                if (!parser) {
                  resolve({
                    status,
                    body: Buffer.concat(chunks).toString('utf8'),
                  });
                  return;
                }
                try {
                  resolve({
                    status,
                    body: '',
                    list: parser.end(),
                    digests: parser.digests,
                  });
                } catch (error) {
                  reject(unreadable(error));
                }
              });
            },
          );
          req.setTimeout(timeoutMs, () =>
            req.destroy(
              new ServiceUnavailableError(
                `cluster ${this.cluster} did not answer ${method} ${path} within ${timeoutMs} ms`,
              ),
            ),
          );
          req.on('error', error =>
            reject(
              error instanceof ServiceUnavailableError
                ? error
                : new ServiceUnavailableError(
                    `cluster ${this.cluster} is unreachable: ${error.message}`,
                  ),
            ),
          );
          req.end(options?.body);
        }),
    );
  }
}
