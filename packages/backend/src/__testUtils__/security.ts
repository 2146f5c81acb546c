import { Sandbox } from '@bluegreen-backstage/kube-sandbox';
import { parser } from '@prometheus-io/lezer-promql';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import request from 'supertest';
import { stringify } from 'yaml';
import { World } from './harness';

export const BASE = '/api/blue-green';

/**
 * Backstage's own per-plugin routes (service auth keys, cookie auth, permission integration,
 * scheduler): the framework's, not the plugin's, and the same on every plugin.
 */
const FRAMEWORK_ROUTES = [
  /^\/\.backstage\/auth\//,
  /^\/\.backstage\/scheduler\//,
  /^\/\.well-known\/backstage\/permissions\//,
];

/**
 * Every route mounted under `basePath` in the running backend, as `METHOD /path`, read from the
 * Express router stack: what the server really answers, not what a list says.
 */
export function mountedRoutes(world: World, basePath = BASE): string[] {
  const app = world.server.listeners('request')[0] as any;
  const routes: string[] = [];
  const collect = (stack: any[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) {
          routes.push(`${method.toUpperCase()} ${layer.route.path}`);
        }
      } else if (layer.handle?.stack) {
        collect(layer.handle.stack);
      }
    }
  };
  const find = (stack: any[]): boolean => {
    for (const layer of stack) {
      // The plugin's mount: a layer that matches its base path but not the root.
      if (layer.regexp?.test(basePath) && !layer.regexp.test('/')) {
        collect(layer.handle.stack);
        return true;
      }
      if (!layer.route && layer.handle?.stack && find(layer.handle.stack)) {
        return true;
      }
    }
    return false;
  };
  if (!find(app._router.stack)) {
    throw new Error(`nothing is mounted at ${basePath}`);
  }
  return routes.filter(r => {
    const path = r.slice(r.indexOf(' ') + 1);
    return !FRAMEWORK_ROUTES.some(f => f.test(path));
  });
}

/** A request without credentials. */
export function anonymous(
  world: World,
  method: 'get' | 'post' | 'delete' | 'patch',
  path: string,
): request.Test {
  return request(world.server)[method](path);
}

/** The cluster writes (POST, PUT, PATCH, DELETE) the sandbox received since `mark`, as text. */
export function writesSince(sandbox: Sandbox, mark: number): string[] {
  return sandbox.requests
    .mutating(mark)
    .map(r => `${r.method} ${r.path}${r.query ? `?${r.query}` : ''}`);
}

/** The seeds' my-app objects: its Service and the two Deployments (namespace default). */
export const MY_APP_OBJECTS = [
  '/api/v1/namespaces/default/services/my-app',
  '/apis/apps/v1/namespaces/default/deployments/my-app-blue',
  '/apis/apps/v1/namespaces/default/deployments/my-app-green',
];

/**
 * `kubectl annotate --overwrite` of cluster objects (API paths) with the entity they belong to:
 * what the objects' owners do to let another entity switch them.
 */
export async function bindObjects(
  world: World,
  entityRef: string,
  paths: string[] = MY_APP_OBJECTS,
): Promise<void> {
  for (const path of paths) {
    await world.kube(path, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({
        metadata: {
          annotations: { 'blue-green.backstage.io/entity': entityRef },
        },
      }),
    });
  }
}

/**
 * A stand-in for Prometheus that answers every query with no data and records what was asked:
 * to see exactly which PromQL the plugin sends, not to judge metrics.
 */
export async function startRecordingPrometheus(): Promise<{
  url: string;
  /** Every `query` parameter received, in order. */
  queries: string[];
  stop(): Promise<void>;
}> {
  const queries: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://prometheus');
      const params = new URLSearchParams(Buffer.concat(chunks).toString());
      const query = params.get('query') ?? url.searchParams.get('query');
      if (query !== null) queries.push(query);
      const resultType = url.pathname.endsWith('/query_range')
        ? 'matrix'
        : 'vector';
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({ status: 'success', data: { resultType, result: [] } }),
      );
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    queries,
    stop: () => new Promise(resolve => server.close(() => resolve())),
  };
}

/** Writes catalog Components (owner team-checkout unless said) for `startWorld({ catalogFiles })`. */
export function writeAnnotatedComponents(
  file: string,
  components: Array<{
    name: string;
    annotations: Record<string, string>;
    owner?: string;
    lifecycle?: string;
  }>,
): void {
  writeFileSync(
    file,
    components
      .map(c =>
        stringify({
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Component',
          metadata: { name: c.name, annotations: c.annotations },
          spec: {
            type: 'service',
            lifecycle: c.lifecycle ?? 'experimental',
            owner: c.owner ?? 'team-checkout',
          },
        }),
      )
      .join('---\n'),
  );
}

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

export type Matcher = { name: string; op: string; value: string };

/**
 * A PromQL expression read with Prometheus' own grammar (the parser the plugin validates its
 * templates with): where it fails to parse, its label matchers with their values decoded, and its
 * skeleton — the node types outside the matchers, which no annotation may change.
 */
export function inspectPromQL(query: string): {
  errors: string[];
  matchers: Matcher[];
  skeleton: string;
} {
  const errors: string[] = [];
  const matchers: Matcher[] = [];
  const skeleton: string[] = [];
  const text = (node: SyntaxNode) => query.slice(node.from, node.to);
  // PromQL's double-quoted strings have Go's escapes; JSON's cover what the plugin sends.
  const decode = (literal = '""') =>
    literal.startsWith('"') ? JSON.parse(literal) : literal.slice(1, -1);
  const parts = (node: SyntaxNode) => {
    const result: Record<string, string> = {};
    for (let c = node.firstChild; c; c = c.nextSibling)
      result[c.name] = text(c);
    return result;
  };
  parser.parse(query).iterate({
    enter: ref => {
      if (ref.type.isError) {
        errors.push(`at ${ref.from}: ${query.slice(ref.from, ref.from + 30)}`);
      }
      if (ref.name !== 'LabelMatchers') {
        skeleton.push(ref.name);
        return undefined;
      }
      skeleton.push('{…}');
      for (let m = ref.node.firstChild; m; m = m.nextSibling) {
        if (!m.name.endsWith('LabelMatcher')) continue;
        const p = parts(m);
        matchers.push({
          name: p.LabelName ?? decode(p.QuotedLabelName),
          op: p.MatchOp,
          value: decode(p.StringLiteral),
        });
      }
      return false;
    },
  });
  return { errors, matchers, skeleton: skeleton.join(' ') };
}

/**
 * A WebSocket to the signals backend (`/api/signals`), with `token` as the browser sends it (the
 * Sec-WebSocket-Protocol header) or none, subscribed to `channel`: every message it receives.
 */
export async function listenToSignals(
  port: number,
  channel: string,
  token?: string,
): Promise<{ messages: any[]; close(): void }> {
  const connect = () =>
    new WebSocket(`ws://127.0.0.1:${port}/api/signals`, token ? [token] : []);
  // The signals backend starts handling upgrades on the first upgrade request it sees through
  // its router, which it leaves unanswered (the frontend reconnects): send that one first.
  const first = connect();
  first.onerror = () => undefined;
  await new Promise(r => setTimeout(r, 300));
  first.close();

  const socket = connect();
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = () =>
      reject(new Error('the signals backend refused the WebSocket'));
  });
  const messages: any[] = [];
  socket.onmessage = event => messages.push(JSON.parse(String(event.data)));
  socket.send(JSON.stringify({ action: 'subscribe', channel }));
  await new Promise(r => setTimeout(r, 200));
  return { messages, close: () => socket.close() };
}
