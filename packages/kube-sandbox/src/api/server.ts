/**
 * The HTTP front of the sandbox's API server: URL routing as kube-apiserver does it,
 * discovery and OpenAPI, JSON and Table responses, watch streams, subresources
 * (status, scale, log, proxy) and the programmatic fault mode.
 */
import http from 'http';
import https from 'https';
import { AddressInfo, Socket } from 'net';
import { parse as parseYaml } from 'yaml';
import {
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  openApiGroupVersion,
  openApiIndex,
  SERVER_VERSION,
} from './discovery';
import {
  ApiError,
  badRequest,
  conflict,
  expired,
  notFoundPath,
  unauthorized,
} from './errors';
import { ApiFaults, RequestInfo } from './faults';
import { ApiRequestLog } from './requestLog';
import type { LogOptions } from '../runtime/podProcess';
import {
  apiVersionOf,
  ResourceRegistry,
  ResourceType,
  typeKey,
} from './resources';
import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
} from './selectors';
import { ResourceService } from './service';
import { KubeObject, Store, StoreEvent } from './store';
import { IncludeObject, toTable } from './table';

export interface ProxyTarget {
  kind: 'pod' | 'service';
  namespace: string;
  name: string;
  /** Port name or number from `name:port`. */
  port?: string;
}

export interface ApiHooks {
  podLogs?(
    namespace: string,
    name: string,
    container: string | undefined,
    options: LogOptions,
  ): string;
  proxy?(
    target: ProxyTarget,
    path: string,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<void>;
  virtualList?(type: ResourceType, namespace: string | undefined): KubeObject[];
  /** Extra non-Kubernetes routes (metrics, http_sd); return true when handled. */
  extraRoute?(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
  ): boolean;
}

export interface ApiServerOptions {
  /** When set, requests must carry `Authorization: Bearer <token>` with this token. */
  requiredToken?: string;
  /**
   * Other bearer tokens to accept (with `requiredToken` set), as a real API server's token
   * authenticators do: e.g. an EKS token checked against its signature, an OAuth access token.
   */
  authenticate?: (token: string) => boolean | Promise<boolean>;
  /** Serve HTTPS with this certificate and key (PEM) instead of plain HTTP. */
  tls?: { cert: string; key: string };
  /** Default watch length when the client gives no timeoutSeconds. */
  watchTimeoutSeconds?: number;
}

interface Route {
  kind: 'collection' | 'item';
  type: ResourceType;
  version: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  subpath?: string;
  watchPath?: boolean;
}

function send(res: http.ServerResponse, code: number, body: unknown) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
  });
  res.end(text);
}

function sendError(res: http.ServerResponse, err: ApiError) {
  send(res, err.code, err.body);
}

function readBody(
  req: http.IncomingMessage,
  limit = 3 * 1024 * 1024,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(
          new ApiError(
            413,
            'RequestEntityTooLarge',
            'Request entity too large: limit is 3145728',
          ),
        );
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBody(text: string, contentType: string | undefined): any {
  if (!text.trim()) return undefined;
  try {
    if (contentType && /yaml/.test(contentType)) return parseYaml(text);
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(
      `json: cannot unmarshal request body: ${(e as Error).message}`,
    );
  }
}

/** Re-labels a stored object for a non-storage served version (Istio v1beta1/v1alpha3). */
function forVersion(type: ResourceType, version: string, json: string): string {
  if (version === type.versions[0]) return json;
  const o = JSON.parse(json);
  o.apiVersion = apiVersionOf(type, version);
  return JSON.stringify(o);
}

function nonResourceVerb(method: string) {
  return method === 'GET' ? 'get' : method.toLowerCase();
}

export class ApiServer {
  private server?: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly watches = new Set<() => void>();
  port = 0;
  /** Every API request received (not the sandbox's own /sandbox/* routes), for assertions. */
  readonly requests = new ApiRequestLog();

  constructor(
    private readonly service: ResourceService,
    private readonly registry: ResourceRegistry,
    private readonly store: Store,
    readonly faults: ApiFaults,
    private readonly hooks: ApiHooks = {},
    private readonly options: ApiServerOptions = {},
  ) {}

  async listen(port = 0, host = '127.0.0.1'): Promise<number> {
    const handler: http.RequestListener = (req, res) => {
      this.handle(req, res).catch(err => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (err instanceof ApiError) sendError(res, err);
        else {
          send(
            res,
            500,
            new ApiError(
              500,
              'InternalError',
              `Internal error occurred: ${String(err?.message ?? err)}`,
            ).body,
          );
        }
      });
    };
    const tls = this.options.tls;
    const server: http.Server = tls
      ? https.createServer({ cert: tls.cert, key: tls.key }, handler)
      : http.createServer(handler);
    server.keepAliveTimeout = 65000;
    server.on('connection', s => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  private async authenticated(req: http.IncomingMessage): Promise<boolean> {
    const auth = req.headers.authorization ?? '';
    if (auth === `Bearer ${this.options.requiredToken}`) return true;
    const token = /^Bearer (.+)$/.exec(auth)?.[1];
    return Boolean(token && (await this.options.authenticate?.(token)));
  }

  async close() {
    for (const stop of [...this.watches]) stop();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>(resolve =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private route(segments: string[]): Route | 'discovery' | undefined {
    let group = '';
    let version: string;
    let rest: string[];
    if (segments[0] === 'api') {
      version = segments[1];
      rest = segments.slice(2);
    } else {
      group = segments[1];
      version = segments[2];
      rest = segments.slice(3);
    }
    if (!rest.length) return 'discovery';
    let watchPath = false;
    if (rest[0] === 'watch') {
      watchPath = true;
      rest = rest.slice(1);
    }
    const lookup = (plural: string) =>
      this.registry.lookup(group, version, plural);
    if (
      rest[0] === 'namespaces' &&
      rest.length >= 3 &&
      !['status', 'finalize'].includes(rest[2])
    ) {
      const type = lookup(rest[2]);
      if (!type || !type.namespaced) return undefined;
      const namespace = rest[1];
      if (rest.length === 3)
        return { kind: 'collection', type, version, namespace, watchPath };
      return {
        kind: 'item',
        type,
        version,
        namespace,
        name: rest[3],
        subresource: rest[4],
        subpath: rest.length > 5 ? rest.slice(5).join('/') : undefined,
        watchPath,
      };
    }
    const type = lookup(rest[0]);
    if (!type) return undefined;
    if (rest.length === 1)
      return { kind: 'collection', type, version, watchPath };
    if (type.namespaced) return undefined;
    return {
      kind: 'item',
      type,
      version,
      name: rest[1],
      subresource: rest[2],
      subpath: rest.length > 3 ? rest.slice(3).join('/') : undefined,
      watchPath,
    };
  }

  private verbOf(method: string, route: Route, watch: boolean): string {
    if (route.subresource === 'proxy') return 'proxy';
    switch (method) {
      case 'GET':
        if (route.kind === 'collection') return watch ? 'watch' : 'list';
        return watch ? 'watch' : 'get';
      case 'POST':
        return 'create';
      case 'PUT':
        return 'update';
      case 'PATCH':
        return 'patch';
      case 'DELETE':
        return route.kind === 'collection' ? 'deletecollection' : 'delete';
      default:
        return method.toLowerCase();
    }
  }

  private async applyFault(
    info: RequestInfo,
    route: Route | undefined,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<boolean> {
    const fault = this.faults.match(info);
    if (!fault) return false;
    switch (fault.kind) {
      case 'latency':
        await new Promise(r => setTimeout(r, fault.delayMs ?? 1000));
        return false;
      case 'drop':
        req.socket.destroy();
        return true;
      case 'lost-answer': {
        // The request is handled (and a write lands), then the connection goes before the answer:
        // what a client sees when the network fails between the API server's commit and its reply.
        const socket = req.socket;
        res.end = (() => {
          socket.destroy();
          return res;
        }) as typeof res.end;
        return false;
      }
      case 'timeout': {
        await new Promise<void>(resolve => {
          const t = setTimeout(resolve, fault.delayMs ?? 60000);
          req.socket.once('close', () => {
            clearTimeout(t);
            resolve();
          });
        });
        if (!res.destroyed && !res.headersSent) {
          send(
            res,
            504,
            new ApiError(
              504,
              'Timeout',
              'Timeout: request did not complete within requested timeout - context deadline exceeded',
              {},
            ).body,
          );
        }
        return true;
      }
      case 'conflict': {
        const t = route?.type;
        sendError(
          res,
          conflict(t?.plural ?? 'unknown', t?.group ?? '', route?.name ?? ''),
        );
        return true;
      }
      default: {
        const code = fault.status ?? 500;
        const reasons: Record<number, [string, string]> = {
          403: [
            'Forbidden',
            'forbidden: RBAC denies this request (injected fault)',
          ],
          429: [
            'TooManyRequests',
            'Too many requests, please try again later.',
          ],
          500: ['InternalError', 'Internal error occurred: injected fault'],
          502: ['InternalError', 'Bad Gateway'],
          503: [
            'ServiceUnavailable',
            'The server is currently unable to handle the request',
          ],
          504: [
            'Timeout',
            'Timeout: request did not complete within requested timeout',
          ],
        };
        const [reason, message] = reasons[code] ?? [
          'InternalError',
          `injected fault ${code}`,
        ];
        if (code === 429 || code === 503) res.setHeader('Retry-After', '1');
        sendError(
          res,
          new ApiError(
            code,
            reason,
            message,
            code === 429 || code === 503 ? { retryAfterSeconds: 1 } : undefined,
          ),
        );
        return true;
      }
    }
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname.replace(/\/+$/, '') || '/';

    if (this.hooks.extraRoute?.(req, res, url)) return;

    // Logged before anything can refuse it (token, malformed path, fault rule).
    const logged = this.requests.record({
      method,
      path,
      query: url.search.slice(1),
      verb: nonResourceVerb(method),
    });
    res.once('finish', () => {
      logged.status = res.statusCode;
    });
    const segments = path.split('/').filter(Boolean).map(decodeURIComponent);

    if (this.options.requiredToken && !(await this.authenticated(req))) {
      sendError(res, unauthorized());
      return;
    }

    const isResourcePath =
      (segments[0] === 'api' && segments.length >= 2) ||
      (segments[0] === 'apis' && segments.length >= 3);
    const route = isResourcePath ? this.route(segments) : undefined;
    const watch =
      url.searchParams.get('watch') === 'true' ||
      url.searchParams.get('watch') === '1' ||
      (typeof route === 'object' && route.watchPath === true);
    const info: RequestInfo = {
      method,
      path,
      verb:
        typeof route === 'object'
          ? this.verbOf(method, route, watch)
          : nonResourceVerb(method),
      resource: typeof route === 'object' ? route.type.plural : undefined,
    };
    logged.verb = info.verb;
    logged.resource = info.resource;
    if (
      await this.applyFault(
        info,
        typeof route === 'object' ? route : undefined,
        req,
        res,
      )
    )
      return;

    if (!isResourcePath) {
      this.handleNonResource(segments, req, res);
      return;
    }
    if (route === 'discovery') {
      const doc =
        segments[0] === 'api'
          ? apiResourceList(this.registry, '', segments[1])
          : apiResourceList(this.registry, segments[1], segments[2]);
      if (!doc) throw notFoundPath();
      send(res, 200, doc);
      return;
    }
    if (!route) throw notFoundPath();
    await this.handleResource(route, method, watch, url, req, res);
  }

  private handleNonResource(
    segments: string[],
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ) {
    const p = segments.join('/');
    if (req.method !== 'GET' && req.method !== 'HEAD')
      throw new ApiError(
        405,
        'MethodNotAllowed',
        'the server does not allow this method on the requested resource',
        {},
      );
    switch (true) {
      case p === 'version':
        send(res, 200, SERVER_VERSION);
        return;
      case p === 'healthz' || p === 'livez' || p === 'readyz':
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('ok');
        return;
      case p === 'api':
        send(res, 200, apiVersions(`127.0.0.1:${this.port}`));
        return;
      case p === 'apis':
        send(res, 200, apiGroupList(this.registry));
        return;
      case segments[0] === 'apis' && segments.length === 2: {
        const g = apiGroup(this.registry, segments[1]);
        if (!g) throw notFoundPath();
        send(res, 200, g);
        return;
      }
      case p === 'openapi/v3':
        send(res, 200, openApiIndex(this.registry));
        return;
      case segments[0] === 'openapi' && segments[1] === 'v3': {
        const rest = segments.slice(2);
        const doc =
          rest[0] === 'api'
            ? openApiGroupVersion(this.registry, '', rest[1])
            : openApiGroupVersion(this.registry, rest[1], rest[2]);
        if (!doc) throw notFoundPath();
        send(res, 200, doc);
        return;
      }
      default:
        throw notFoundPath();
    }
  }

  private async handleResource(
    route: Route,
    method: string,
    watch: boolean,
    url: URL,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ) {
    const q = url.searchParams;
    const { type, namespace } = route;
    const dryRun = q.getAll('dryRun').includes('All');
    const fieldManager = q.get('fieldManager') ?? undefined;
    const force = q.has('force') ? q.get('force') === 'true' : undefined;
    const asTable = /as=Table/.test(req.headers.accept ?? '');
    const includeObject =
      (q.get('includeObject') as IncludeObject) ?? 'Metadata';
    const out = (code: number, json: string, obj?: KubeObject) => {
      if (asTable && obj) {
        send(
          res,
          code,
          toTable(
            type,
            [obj],
            obj.metadata.resourceVersion ?? '',
            includeObject,
          ),
        );
      } else {
        send(res, code, forVersion(type, route.version, json));
      }
    };

    if (route.kind === 'collection') {
      if (watch) {
        this.handleWatch(route, q, asTable, includeObject, req, res);
        return;
      }
      if (method === 'GET') {
        this.handleList(route, q, asTable, includeObject, res);
        return;
      }
      if (method === 'POST') {
        const body = parseBody(
          await readBody(req),
          req.headers['content-type'],
        );
        const created = this.service.create(type, namespace, body, {
          dryRun,
          fieldManager,
        });
        out(201, created.json, created.obj);
        return;
      }
      if (method === 'DELETE') {
        const list = this.service.list(type, {
          namespace,
          labelSelector: q.get('labelSelector') ?? undefined,
          fieldSelector: q.get('fieldSelector') ?? undefined,
        });
        const deleted: string[] = [];
        for (const s of list.items) {
          const r = this.service.delete(
            type,
            s.obj.metadata.namespace,
            s.obj.metadata.name,
            { dryRun },
          );
          deleted.push(
            JSON.stringify(r.body.kind === 'Status' ? s.obj : r.body),
          );
        }
        send(
          res,
          200,
          `{"kind":"${type.kind}List","apiVersion":"${apiVersionOf(
            type,
            route.version,
          )}","metadata":{"resourceVersion":"${this.store.currentRv()}"},"items":[${deleted.join(
            ',',
          )}]}`,
        );
        return;
      }
      throw new ApiError(
        405,
        'MethodNotAllowed',
        'the server does not allow this method on the requested resource',
        {},
      );
    }

    const name = route.name!;
    const sub = route.subresource;
    if (sub === 'proxy') {
      if (!this.hooks.proxy || (type.kind !== 'Pod' && type.kind !== 'Service'))
        throw notFoundPath();
      const [first, second, third] = name.split(':');
      // [scheme:]name[:port]
      let target: { name: string; port?: string } = {
        name: first,
        port: second,
      };
      if (third !== undefined) target = { name: second, port: third };
      else if (second !== undefined && (first === 'http' || first === 'https'))
        target = { name: second };
      // The target must exist: the real server answers its NotFound.
      this.service.get(type, namespace, target.name);
      await this.hooks.proxy(
        {
          kind: type.kind === 'Pod' ? 'pod' : 'service',
          namespace: namespace!,
          name: target.name,
          port: target.port || undefined,
        },
        `/${route.subpath ?? ''}${url.search}`,
        req,
        res,
      );
      return;
    }
    if (sub && !type.subresources.includes(sub)) throw notFoundPath();

    if (type.virtual) {
      if (method !== 'GET')
        throw new ApiError(
          405,
          'MethodNotAllowed',
          'the server does not allow this method on the requested resource',
          {},
        );
      const item = (this.hooks.virtualList?.(type, namespace) ?? []).find(
        o => o.metadata.name === name,
      );
      if (!item)
        throw new ApiError(
          404,
          'NotFound',
          `${type.plural}.${type.group} "${name}" not found`,
          { name, group: type.group, kind: type.plural },
        );
      send(res, 200, item);
      return;
    }

    if (sub === 'log') {
      const pod = this.service.get(type, namespace, name);
      const container = q.get('container') ?? undefined;
      const containers: any[] = pod.obj.spec?.containers ?? [];
      if (container && !containers.some(c => c.name === container)) {
        throw badRequest(`container ${container} is not valid for pod ${name}`);
      }
      if (!container && containers.length > 1) {
        throw badRequest(
          `a container name must be specified for pod ${name}, choose one of: [${containers
            .map(c => c.name)
            .join(' ')}]`,
        );
      }
      const count = (key: string, min: number) => {
        if (!q.has(key)) return undefined;
        const value = Number(q.get(key));
        if (!Number.isInteger(value) || value < min) {
          throw badRequest(`${key}: Invalid value: ${q.get(key)}`);
        }
        return value;
      };
      const text =
        this.hooks.podLogs?.(
          namespace!,
          name,
          container ?? containers[0]?.name,
          {
            sinceSeconds: count('sinceSeconds', 1),
            tailLines: count('tailLines', 0),
            limitBytes: count('limitBytes', 1),
            timestamps: q.get('timestamps') === 'true',
          },
        ) ?? '';
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(text);
      return;
    }

    switch (method) {
      case 'GET': {
        const s = this.service.get(type, namespace, name);
        if (watch) {
          this.handleWatch(
            { ...route, kind: 'collection' },
            new URLSearchParams({
              ...Object.fromEntries(q),
              fieldSelector: `metadata.name=${name}`,
            }),
            asTable,
            includeObject,
            req,
            res,
          );
          return;
        }
        if (sub === 'scale') {
          send(res, 200, this.service.scaleOf(type, s.obj));
          return;
        }
        out(200, s.json, s.obj);
        return;
      }
      case 'PUT': {
        const body = parseBody(
          await readBody(req),
          req.headers['content-type'],
        );
        const s = this.service.replace(type, namespace, name, body, {
          subresource: sub,
          dryRun,
          fieldManager,
        });
        if (sub === 'scale') send(res, 200, this.service.scaleOf(type, s.obj));
        else out(200, s.json, s.obj);
        return;
      }
      case 'PATCH': {
        const text = await readBody(req);
        const s = this.service.patch(
          type,
          namespace,
          name,
          req.headers['content-type'] ?? '',
          text,
          {
            subresource: sub,
            dryRun,
            fieldManager,
            force,
          },
        );
        if (sub === 'scale') send(res, 200, this.service.scaleOf(type, s.obj));
        else out(200, s.json, s.obj);
        return;
      }
      case 'DELETE': {
        const text = await readBody(req);
        const body = parseBody(text, req.headers['content-type']) ?? {};
        const grace = q.has('gracePeriodSeconds')
          ? Number(q.get('gracePeriodSeconds'))
          : body.gracePeriodSeconds;
        const r = this.service.delete(type, namespace, name, {
          gracePeriodSeconds: grace,
          propagationPolicy:
            q.get('propagationPolicy') ??
            body.propagationPolicy ??
            (body.orphanDependents ? 'Orphan' : undefined),
          preconditions: body.preconditions,
          dryRun: dryRun || (body.dryRun ?? []).includes('All'),
        });
        send(res, r.code, r.body);
        return;
      }
      default:
        throw new ApiError(
          405,
          'MethodNotAllowed',
          'the server does not allow this method on the requested resource',
          {},
        );
    }
  }

  private handleList(
    route: Route,
    q: URLSearchParams,
    asTable: boolean,
    includeObject: IncludeObject,
    res: http.ServerResponse,
  ) {
    const { type } = route;
    if (type.virtual) {
      const labelSel = parseLabelSelector(q.get('labelSelector') ?? undefined);
      const items = (
        this.hooks.virtualList?.(type, route.namespace) ?? []
      ).filter(o => matchesLabels(labelSel, o.metadata.labels));
      send(res, 200, {
        kind: `${type.kind}List`,
        apiVersion: apiVersionOf(type, route.version),
        metadata: {},
        items,
      });
      return;
    }
    const result = this.service.list(type, {
      namespace: route.namespace,
      labelSelector: q.get('labelSelector') ?? undefined,
      fieldSelector: q.get('fieldSelector') ?? undefined,
      limit: q.has('limit') ? Number(q.get('limit')) : undefined,
      continue: q.get('continue') ?? undefined,
    });
    const meta: Record<string, unknown> = {};
    if (result.continue) {
      meta.continue = result.continue;
      meta.remainingItemCount = result.remainingItemCount;
    }
    if (asTable) {
      send(
        res,
        200,
        toTable(
          type,
          result.items.map(s => s.obj),
          result.resourceVersion,
          includeObject,
          meta,
        ),
      );
      return;
    }
    const items =
      route.version === type.versions[0]
        ? result.items.map(s => s.json)
        : result.items.map(s => forVersion(type, route.version, s.json));
    const metaJson = JSON.stringify({
      resourceVersion: result.resourceVersion,
      ...meta,
    });
    send(
      res,
      200,
      `{"kind":"${type.kind}List","apiVersion":"${apiVersionOf(
        type,
        route.version,
      )}","metadata":${metaJson},"items":[${items.join(',')}]}`,
    );
  }

  private handleWatch(
    route: Route,
    q: URLSearchParams,
    asTable: boolean,
    includeObject: IncludeObject,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ) {
    const { type, namespace } = route;
    if (type.virtual)
      throw new ApiError(
        405,
        'MethodNotAllowed',
        'the server does not allow this method on the requested resource',
        {},
      );
    let labelSel;
    try {
      labelSel = parseLabelSelector(q.get('labelSelector') ?? undefined);
    } catch (e) {
      throw badRequest((e as Error).message);
    }
    const fieldSel = parseFieldSelector(q.get('fieldSelector') ?? undefined, [
      'metadata.name',
      'metadata.namespace',
      ...(type.fieldSelectors ?? []),
    ]);
    const key = typeKey(type);
    const matches = (o: KubeObject | undefined) =>
      !!o &&
      (!type.namespaced || !namespace || o.metadata.namespace === namespace) &&
      matchesLabels(labelSel, o.metadata.labels) &&
      matchesFields(fieldSel, o);
    const rvParam = q.get('resourceVersion') ?? undefined;
    const sendInitial = q.get('sendInitialEvents') === 'true';
    const bookmarks = q.get('allowWatchBookmarks') === 'true';
    const timeoutSeconds = q.has('timeoutSeconds')
      ? Number(q.get('timeoutSeconds'))
      : this.options.watchTimeoutSeconds ?? 1800;

    let replay: StoreEvent[] = [];
    if (rvParam && rvParam !== '0' && !sendInitial) {
      const rv = Number(rvParam);
      if (!Number.isFinite(rv))
        throw badRequest(`invalid resource version: ${rvParam}`);
      const r = this.store.eventsSince(key, rv);
      if ('expired' in r) {
        res.writeHead(200, {
          'Content-Type': 'application/json',
          'Transfer-Encoding': 'chunked',
        });
        const status = expired(
          `too old resource version: ${rv} (${r.expired})`,
        ).body;
        res.end(`${JSON.stringify({ type: 'ERROR', object: status })}\n`);
        return;
      }
      replay = r.events;
    }

    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Transfer-Encoding': 'chunked',
      'Cache-Control': 'no-cache, private',
    });
    res.flushHeaders();
    const write = (t: string, obj: KubeObject, json: string) => {
      if (asTable) {
        res.write(
          `${JSON.stringify({
            type: t,
            object: toTable(
              type,
              [obj],
              obj.metadata.resourceVersion ?? '',
              includeObject,
            ),
          })}\n`,
        );
      } else {
        res.write(
          `{"type":"${t}","object":${forVersion(type, route.version, json)}}\n`,
        );
      }
    };
    const onEvent = (e: StoreEvent) => {
      if (e.typeKey !== key) return;
      const now = matches(e.obj);
      const before = matches(e.prev);
      if (e.type === 'DELETED') {
        if (before || now) write('DELETED', e.obj, e.json);
      } else if (now && before) write('MODIFIED', e.obj, e.json);
      else if (now) write('ADDED', e.obj, e.json);
      else if (before) write('DELETED', e.obj, e.json);
    };

    if (!rvParam || rvParam === '0' || sendInitial) {
      for (const s of this.store.list(
        key,
        type.namespaced ? namespace : undefined,
      )) {
        if (matches(s.obj)) write('ADDED', s.obj, s.json);
      }
      if (sendInitial) {
        res.write(
          `${JSON.stringify({
            type: 'BOOKMARK',
            object: {
              kind: type.kind,
              apiVersion: apiVersionOf(type, route.version),
              metadata: {
                resourceVersion: String(this.store.currentRv()),
                annotations: { 'k8s.io/initial-events-end': 'true' },
              },
            },
          })}\n`,
        );
      }
    } else {
      for (const e of replay) onEvent(e);
    }
    const unsubscribe = this.store.subscribe(onEvent);
    const bookmarkTimer = bookmarks
      ? setInterval(() => {
          res.write(
            `${JSON.stringify({
              type: 'BOOKMARK',
              object: {
                kind: type.kind,
                apiVersion: apiVersionOf(type, route.version),
                metadata: { resourceVersion: String(this.store.currentRv()) },
              },
            })}\n`,
          );
        }, 30000)
      : undefined;
    const timers: { end?: NodeJS.Timeout } = {};
    const stop = () => {
      unsubscribe();
      clearTimeout(timers.end);
      if (bookmarkTimer) clearInterval(bookmarkTimer);
      this.watches.delete(stop);
      if (!res.writableEnded) res.end();
    };
    timers.end = setTimeout(stop, Math.max(1, timeoutSeconds) * 1000);
    this.watches.add(stop);
    req.on('close', stop);
    res.on('close', stop);
  }
}
