import {
  coreServices,
  createServiceFactory,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import { actionsRegistryServiceFactory } from '@backstage/backend-defaults/alpha';
import {
  DefaultEventsService,
  EventsService,
  eventsServiceRef,
} from '@backstage/plugin-events-node';
import { CATALOG_ERRORS_TOPIC } from '@backstage/plugin-catalog-backend';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  kubernetesConfig,
  startPrometheus,
  startSandbox,
  Sandbox,
  SandboxOptions,
} from '@bluegreen-backstage/kube-sandbox';
import { fork } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import request from 'supertest';
import { parseAllDocuments } from 'yaml';

export const repoRoot = resolvePackagePath('backend', '../..');

/**
 * Group memberships from examples/org.yaml: what the real sign-in resolver puts in a user's
 * ownership claims, so the real permission policy sees the same identities as in the demo.
 */
function ownershipFromOrg(): Map<string, string[]> {
  const docs = parseAllDocuments(
    readFileSync(resolve(repoRoot, 'examples/org.yaml'), 'utf8'),
  ).map(d => d.toJS());
  const result = new Map<string, string[]>();
  for (const doc of docs) {
    if (doc?.kind !== 'User') continue;
    const ref = `user:default/${doc.metadata.name}`;
    result.set(ref, [
      ref,
      ...(doc.spec.memberOf ?? []).map((g: string) => `group:default/${g}`),
    ]);
  }
  return result;
}

const ownership = ownershipFromOrg();

const userInfoFactory = createServiceFactory({
  service: coreServices.userInfo,
  deps: {},
  factory: () => ({
    async getUserInfo(credentials: any) {
      const userEntityRef = credentials.principal.userEntityRef;
      return {
        userEntityRef,
        ownershipEntityRefs: ownership.get(userEntityRef) ?? [userEntityRef],
      };
    },
  }),
});

/**
 * Backstage's events service, one for every plugin, except for one report that the catalog does
 * not await: an entity's processing errors (`CATALOG_ERRORS_TOPIC`). The catalog keeps
 * processing while the backend stops (every second in these tests), and once the events service
 * has shut down that publish rejects with "Service is shutting down". Unawaited, the rejection
 * would fail whichever test file happened to stop a backend just then; here it is dropped, as
 * the catalog would have dropped it had it awaited. Every other publish, and every other error,
 * is the real service's.
 */
const eventsFactory = createServiceFactory({
  service: eventsServiceRef,
  deps: {
    pluginMetadata: coreServices.pluginMetadata,
    rootLogger: coreServices.rootLogger,
    discovery: coreServices.discovery,
    logger: coreServices.logger,
    lifecycle: coreServices.lifecycle,
    auth: coreServices.auth,
    config: coreServices.rootConfig,
  },
  async createRootContext({ rootLogger, config }) {
    return DefaultEventsService.create({ logger: rootLogger, config });
  },
  async factory(
    { pluginMetadata, discovery, logger, lifecycle, auth },
    events,
  ): Promise<EventsService> {
    const pluginId = pluginMetadata.getId();
    const service = events.forPlugin(pluginId, {
      discovery,
      logger,
      lifecycle,
      auth,
    });
    if (pluginId !== 'catalog') return service;
    return {
      subscribe: options => service.subscribe(options),
      publish: params =>
        service.publish(params).catch(error => {
          if (
            params.topic === CATALOG_ERRORS_TOPIC &&
            error?.message === 'Service is shutting down'
          ) {
            return;
          }
          throw error;
        }),
    };
  },
});

const SUBPROTOCOL_TOKEN = 'test-user.';

/** A token for `user` made only of characters a WebSocket subprotocol may hold. */
export const subprotocolToken = (user: string) =>
  `${SUBPROTOCOL_TOKEN}${Buffer.from(user).toString('base64url')}`;

/**
 * Backstage's mock auth service, except that a token a plugin obtained on behalf of a user keeps
 * the plugin as the credentials' actor — as the real auth service does. Without it the permission
 * backend takes the catalog's on-behalf-of requests for direct user requests and refuses them.
 */
const authFactory = createServiceFactory({
  service: coreServices.auth,
  deps: { plugin: coreServices.pluginMetadata },
  factory({ plugin }) {
    const inner = mockServices.auth({ pluginId: plugin.getId() });
    const prefix = 'mock-service-token:';
    return {
      async authenticate(token: string, options?: any) {
        // A user token a WebSocket handshake can carry (its subprotocol header allows no JSON).
        if (token.startsWith(SUBPROTOCOL_TOKEN)) {
          return mockCredentials.user(
            Buffer.from(
              token.slice(SUBPROTOCOL_TOKEN.length),
              'base64url',
            ).toString(),
          );
        }
        if (token.startsWith(prefix)) {
          const { sub, obo, target } = JSON.parse(token.slice(prefix.length));
          if (obo && (!target || target === plugin.getId())) {
            return mockCredentials.user(obo, { actor: { subject: sub } });
          }
        }
        return inner.authenticate(token, options);
      },
      getNoneCredentials: () => inner.getNoneCredentials(),
      getOwnServiceCredentials: () => inner.getOwnServiceCredentials(),
      isPrincipal: ((credentials: any, type: any) =>
        inner.isPrincipal(credentials, type)) as typeof inner.isPrincipal,
      getPluginRequestToken: (options: any) =>
        inner.getPluginRequestToken(options),
      getLimitedUserToken: (credentials: any) =>
        inner.getLimitedUserToken(credentials),
      listPublicServiceKeys: () => inner.listPublicServiceKeys(),
    } as any;
  },
});

export const users = {
  /** team-checkout: owns my-app and test-pod. */
  alice: 'user:default/alice',
  /** team-payments: owns my-app-rollout and my-app-mesh. */
  bob: 'user:default/bob',
  /** platform: may switch anything and force. */
  carol: 'user:default/carol',
};

export type World = {
  sandbox: Sandbox;
  /** A real Prometheus scraping the sandbox, when the world was started with `prometheus: true`. */
  prometheus?: { url: string; stop(): Promise<void> };
  server: any;
  /** An authenticated request as one of the example users. */
  as(user: string): {
    /** Any backend path, not only the plugin's. */
    raw(
      method: 'get' | 'post' | 'delete' | 'patch',
      path: string,
    ): request.Test;
    get(path: string): request.Test;
    post(path: string, body?: object): request.Test;
  };
  /** Stops the backend and starts a new one on the same database. */
  restartBackend(): Promise<void>;
  /** The sandbox's own API, for assertions on cluster state. */
  kube(path: string, init?: RequestInit): Promise<any>;
  /** GET a Service's loopback address (with these headers); returns the response body. */
  hit(
    namespace: string,
    service: string,
    headers?: Record<string, string>,
  ): Promise<string>;
  stop(): Promise<void>;
};

/** The databases the integration suites run on: SQLite always, PostgreSQL when one is configured. */
export const DATABASES: Array<'sqlite' | 'postgres'> = process.env
  .BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING
  ? ['sqlite', 'postgres']
  : ['sqlite'];

/**
 * `backend.database` config: SQLite files in a new temp dir (or in `sqliteDirectory`, kept as they
 * are), or per-plugin PostgreSQL databases.
 */
export function databaseConfig(
  kind: 'sqlite' | 'postgres',
  sqliteDirectory?: string,
) {
  if (kind === 'sqlite') {
    return {
      client: 'better-sqlite3',
      connection: {
        directory:
          sqliteDirectory ?? mkdtempSync(join(tmpdir(), 'blue-green-db-')),
      },
    };
  }
  return {
    client: 'pg',
    connection:
      process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING,
    // A fresh set of per-plugin databases for each world.
    prefix: `bg_${Date.now().toString(36)}_${Math.random()
      .toString(36)
      .slice(2, 6)}_`,
  };
}

/** A request to an HTTPS sandbox, trusting its own CA (fetch takes no CA of its own). */
function httpsJson(
  sandbox: Sandbox,
  path: string,
  init: RequestInit | undefined,
  headers: Record<string, string>,
): Promise<any> {
  return new Promise((answer, reject) => {
    const req = httpsRequest(
      `${sandbox.url}${path}`,
      {
        method: init?.method ?? 'GET',
        headers,
        ca: Buffer.from(sandbox.caData!, 'base64'),
      },
      res => {
        const chunks: Buffer[] = [];
        res.on('data', c => chunks.push(c));
        res.on('end', () => {
          try {
            answer(JSON.parse(Buffer.concat(chunks).toString()));
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    req.on('error', reject);
    if (init?.body) req.write(init.body as string);
    req.end();
  });
}

/** `startWorld`'s options that shape the backend's app-config. */
export type BackendOptions = {
  config?: object;
  /**
   * Merged into `blueGreen`. By default promote ignores the checklist and no watch runs, so the
   * switch suites test the switch alone; the checks suite turns them on.
   */
  blueGreen?: object;
  /** More catalog files (absolute paths) beside the examples, e.g. entities a suite writes. */
  catalogFiles?: string[];
};

/**
 * The app-config of a backend against this sandbox (and Prometheus): the example catalog, the real
 * permission framework, the cluster. Plain data, so a replica in another process can get it too.
 */
export function backendConfig(
  options: BackendOptions & {
    /** The cluster; without it, `config` gives the `kubernetes` section. */
    sandbox?: Sandbox;
    prometheus?: { url: string };
    database: object;
  },
) {
  return {
    backend: {
      baseUrl: 'http://localhost:7007',
      database: options.database,
    },
    catalog: {
      rules: [{ allow: ['Component', 'System', 'User', 'Group'] }],
      locations: [
        {
          type: 'file',
          target: resolve(repoRoot, 'examples/blue-green/entities.yaml'),
        },
        { type: 'file', target: resolve(repoRoot, 'examples/org.yaml') },
        ...(options.catalogFiles ?? []).map(target => ({
          type: 'file',
          target,
        })),
      ],
      processingInterval: { seconds: 1 },
    },
    permission: { enabled: true },
    ...(options.sandbox && {
      kubernetes: kubernetesConfig({ sandbox: options.sandbox }),
    }),
    blueGreen: {
      switch: { verifyTimeout: '10s', stepInterval: '0s' },
      checks: { requiredForPromote: false },
      watch: { enabled: false },
      ...(options.prometheus && {
        prometheus: { url: options.prometheus.url },
      }),
      ...options.blueGreen,
    },
    ...options.config,
  };
}

/**
 * The product's backend as deployed (real catalog with the example entities, real permission
 * framework with the demo policy, the Blue/Green plugin, Backstage's real database manager on
 * SQLite files or PostgreSQL), started with this config; resolves once the catalog holds the
 * examples.
 */
export async function startBackend(config: object, features: any[] = []) {
  const backend = await startTestBackend({
    features: [
      import('@backstage/plugin-catalog-backend'),
      import('@backstage/plugin-permission-backend'),
      import('../modules/permissionPolicy'),
      // The Kubernetes backend supplies the clusters and their auth strategies to Blue/Green.
      import('@backstage/plugin-kubernetes-backend'),
      import('@bluegreen-backstage/plugin-blue-green-backend'),
      mockServices.rootConfig.factory({ data: config }),
      userInfoFactory,
      authFactory,
      // The real HTTP auth service, so requests are authenticated by the auth service above.
      httpAuthServiceFactory,
      // The real scheduler: periodic tasks, database-locked across backend replicas.
      schedulerServiceFactory,
      // The real actions registry, invoked over HTTP as the MCP actions backend does.
      actionsRegistryServiceFactory,
      // The real events service, one for every plugin: signals reach the signals backend.
      eventsFactory,
      ...features,
    ],
  });
  // The catalog reads the example files asynchronously: wait until the entities are there.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await request(backend.server)
      .get('/api/catalog/entities/by-name/component/default/my-app-mesh')
      .set('Authorization', mockCredentials.user.header(users.alice));
    const group = await request(backend.server)
      .get('/api/catalog/entities/by-name/group/default/platform')
      .set('Authorization', mockCredentials.user.header(users.alice));
    if (res.status === 200 && group.status === 200) break;
    if (Date.now() > deadline) {
      throw new Error(
        `catalog did not load the examples: ${res.status} ${JSON.stringify(
          res.body,
        ).slice(0, 300)}`,
      );
    }
    await new Promise(r => setTimeout(r, 200));
  }
  return backend;
}

/**
 * The product's backend (see {@link startBackend}) against a new sandbox cluster, and a real
 * Prometheus when asked for.
 */
export async function startWorld(
  options: BackendOptions & {
    database: 'sqlite' | 'postgres';
    /** The SQLite files' folder, e.g. a catalog kept from an earlier run; a new one by default. */
    sqliteDirectory?: string;
    /** Real traffic through the Services and a real Prometheus scraping it (1 s). */
    prometheus?: boolean;
    /** More backend features, e.g. a custom cluster supplier of the Kubernetes backend. */
    features?: any[];
    /** Sandbox options beyond the defaults, e.g. HTTPS and the tokens it accepts. */
    sandbox?: SandboxOptions;
    /** The `kubernetes` section for this sandbox, instead of one service-account cluster. */
    kubernetes?: (sandbox: Sandbox) => object;
  },
): Promise<World> {
  const sandbox = await startSandbox({
    podReadyDelayMs: 100,
    traffic: Boolean(options.prometheus),
    ...options.sandbox,
  });
  const prometheus = options.prometheus
    ? await startPrometheus({
        httpSdUrl: sandbox.httpSdUrl,
        scrapeIntervalSeconds: 1,
      })
    : undefined;
  if (prometheus) sandbox.setPrometheusUrl(prometheus.url);
  const config = backendConfig({
    ...options,
    sandbox,
    prometheus,
    database: databaseConfig(options.database, options.sqliteDirectory),
  });
  if (options.kubernetes) {
    Object.assign(config, { kubernetes: options.kubernetes(sandbox) });
  }

  let backend: Awaited<ReturnType<typeof startBackend>>;
  const start = async () => {
    backend = await startBackend(config, options.features);
  };
  await start();

  const world: World = {
    sandbox,
    prometheus,
    get server() {
      return backend.server;
    },
    as: asUser(() => backend.server),
    async restartBackend() {
      await backend.stop();
      await start();
    },
    async kube(path, init) {
      const headers = {
        Authorization: `Bearer ${sandbox.token}`,
        ...(init?.headers as Record<string, string>),
      };
      if (sandbox.caData) return httpsJson(sandbox, path, init, headers);
      const res = await fetch(`${sandbox.url}${path}`, { ...init, headers });
      return res.json();
    },
    async hit(namespace, service, headers) {
      const url = sandbox.serviceUrl(namespace, service);
      if (!url)
        throw new Error(`no address for service ${namespace}/${service}`);
      const res = await fetch(url, { headers });
      return res.text();
    },
    async stop() {
      await backend.stop();
      await prometheus?.stop();
      await sandbox.stop();
    },
  };
  return world;
}

/** `world.as(user)`: authenticated requests as one of the example users to this backend. */
export function asUser(server: () => any): World['as'] {
  return user => {
    const header = mockCredentials.user.header(user);
    return {
      raw: (method: 'get' | 'post' | 'delete' | 'patch', path: string) =>
        request(server())[method](path).set('Authorization', header),
      get: path =>
        request(server())
          .get(`/api/blue-green${path}`)
          .set('Authorization', header),
      post: (path, body) =>
        request(server())
          .post(`/api/blue-green${path}`)
          .set('Authorization', header)
          .send(body ?? {}),
    };
  };
}

/** Waits until every pod of the seeds is Ready (the sandbox starts them with a short delay). */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 100));
  }
}

/** Like expect(res.status).toBe(code), but a failure shows the response body. */
export function expectStatus(res: { status: number; body: any }, code: number) {
  if (res.status !== code) {
    throw new Error(
      `expected HTTP ${code}, got ${res.status}: ${JSON.stringify(
        res.body,
      ).slice(0, 1500)}`,
    );
  }
}

/** A backend replica in its own process (see replica.ts). */
export type Replica = {
  url: string;
  /** An authenticated request to the plugin, as one of the example users. */
  fetch(user: string, path: string, init?: RequestInit): Promise<Response>;
  /** SIGKILL: no shutdown hook runs, in-flight work is lost, as when a pod is killed. */
  kill(): Promise<void>;
  /** A graceful stop. */
  stop(): Promise<void>;
};

/**
 * Starts a backend replica in a child process with this app-config (e.g. one from
 * {@link backendConfig} on a shared PostgreSQL database).
 */
export async function startReplica(config: object): Promise<Replica> {
  const child = fork(
    resolvePackagePath('backend', 'src/__testUtils__/replica.ts'),
    [],
    {
      execArgv: ['-r', '@backstage/cli-node/config/nodeTransform.cjs'],
      env: { ...process.env, BG_REPLICA_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  );
  const exited = new Promise<void>(r => child.once('exit', () => r()));
  const port = await new Promise<number>((resolvePort, reject) => {
    child.on('message', (m: any) => {
      if (m?.type === 'ready') resolvePort(m.port);
      if (m?.type === 'error') reject(new Error(`replica: ${m.message}`));
    });
    child.once('exit', code =>
      reject(new Error(`replica exited with ${code} before it was ready`)),
    );
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    fetch: (user, path, init) =>
      fetch(`${url}/api/blue-green${path}`, {
        ...init,
        headers: {
          Authorization: mockCredentials.user.header(user),
          ...(init?.body && { 'Content-Type': 'application/json' }),
          ...init?.headers,
        },
      }),
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ type: 'stop' });
      await Promise.race([
        exited,
        new Promise(r => setTimeout(r, 10_000)).then(() =>
          child.kill('SIGKILL'),
        ),
      ]);
      await exited;
    },
  };
}
