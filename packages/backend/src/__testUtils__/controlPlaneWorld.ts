/**
 * The product's backend (the same harness as the sandbox suites) against a real control plane:
 * kube-apiserver over TLS, checked against the cluster's CA (`caData`), with the token of a
 * service account bound only to the plugin's ClusterRole — what a platform team configures.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  ControlPlane,
  loadSeeds,
  startControlPlane,
} from '@bluegreen-backstage/kube-sandbox';
import {
  asUser,
  backendConfig,
  databaseConfig,
  repoRoot,
  startBackend,
  World,
} from './harness';
import type { WatchEvent } from './kubeWatch';

/** The ClusterRole the plugin ships: the suites' service account is bound to it. */
export const CLUSTER_ROLE_FILE = resolve(
  repoRoot,
  'plugins/blue-green-backend/manifests/rbac/clusterrole.yaml',
);

export const PLUGIN_SERVICE_ACCOUNT = {
  namespace: 'backstage',
  name: 'blue-green-backend',
};

export type ControlPlaneWorld = Omit<World, 'sandbox' | 'prometheus'> & {
  plane: ControlPlane;
  /** A watch of one object (admin), as a controller would see it: an independent record. */
  watch(
    collectionPath: string,
    name: string,
  ): Promise<{ events: WatchEvent[]; stop(): void }>;
  /** Restarts the backend with another service account's token (same database). */
  restartBackendAs(serviceAccount: {
    namespace: string;
    name: string;
  }): Promise<void>;
  /**
   * Restarts the backend as a new service account bound to a copy of the plugin's ClusterRole,
   * named `role` and changed by `trim` (what a platform team gets when they trim the grant).
   */
  restartBackendWithRole(options: {
    account: { namespace: string; name: string };
    role: string;
    trim: (clusterRole: any) => void;
  }): Promise<void>;
};

function kubernetesSection(plane: ControlPlane, token: string) {
  return {
    serviceLocatorMethod: { type: 'multiTenant' },
    clusterLocatorMethods: [
      {
        type: 'config',
        clusters: [
          {
            name: 'control-plane',
            url: plane.server,
            authProvider: 'serviceAccount',
            serviceAccountToken: token,
            caData: plane.caData,
          },
        ],
      },
    ],
  };
}

/** Applies this ClusterRole and binds a service account (cluster-wide) to exactly it. */
async function grant(
  plane: ControlPlane,
  clusterRole: any,
  account: { namespace: string; name: string },
) {
  const applied = await plane.kubectl(['apply', '-f', '-'], {
    input: JSON.stringify(clusterRole),
  });
  if (applied.code !== 0) throw new Error(applied.stderr);
  for (const args of [
    ['create', 'namespace', account.namespace],
    ['create', 'serviceaccount', '-n', account.namespace, account.name],
    [
      'create',
      'clusterrolebinding',
      `${account.namespace}-${account.name}`,
      `--clusterrole=${clusterRole.metadata.name}`,
      `--serviceaccount=${account.namespace}:${account.name}`,
    ],
  ]) {
    const r = await plane.kubectl(args);
    if (r.code !== 0 && !r.stderr.includes('AlreadyExists'))
      throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  }
}

export async function startControlPlaneWorld(options: {
  database: 'sqlite' | 'postgres';
}): Promise<ControlPlaneWorld> {
  const plane = await startControlPlane();
  let backend: Awaited<ReturnType<typeof startBackend>> | undefined;
  try {
    await loadSeeds(plane);
    const clusterRole = parseAllDocuments(
      readFileSync(CLUSTER_ROLE_FILE, 'utf8'),
    )
      .map(d => d.toJS())
      .find(d => d?.kind === 'ClusterRole');
    await grant(plane, clusterRole, PLUGIN_SERVICE_ACCOUNT);

    const database = databaseConfig(options.database);
    const configFor = async (account: { namespace: string; name: string }) =>
      backendConfig({
        database,
        config: {
          kubernetes: kubernetesSection(
            plane,
            await plane.token(account.namespace, account.name),
          ),
        },
      });
    let config = await configFor(PLUGIN_SERVICE_ACCOUNT);
    backend = await startBackend(config);

    const restartBackendAs = async (account: {
      namespace: string;
      name: string;
    }) => {
      config = await configFor(account);
      await backend!.stop();
      backend = await startBackend(config);
    };

    return {
      plane,
      get server() {
        return backend!.server;
      },
      as: asUser(() => backend!.server),
      async restartBackend() {
        await backend!.stop();
        backend = await startBackend(config);
      },
      restartBackendAs,
      async restartBackendWithRole({ account, role, trim }) {
        const trimmed = structuredClone(clusterRole);
        trimmed.metadata = { name: role };
        trim(trimmed);
        await grant(plane, trimmed, account);
        await restartBackendAs(account);
      },
      async kube(path, init) {
        const res = await plane.api.request(
          init?.method ?? 'GET',
          path,
          init?.body === undefined ? undefined : JSON.parse(String(init.body)),
          (init?.headers as Record<string, string> | undefined)?.[
            'Content-Type'
          ],
        );
        return res.body;
      },
      async watch(collectionPath, name) {
        const list = await plane.api.call('GET', collectionPath);
        const query = new URLSearchParams({
          watch: 'true',
          fieldSelector: `metadata.name=${name}`,
          resourceVersion: list.metadata.resourceVersion,
        });
        const abort = new AbortController();
        const stream = await plane.api.open(
          'GET',
          `${collectionPath}?${query}`,
          undefined,
          { signal: abort.signal },
        );
        const events: WatchEvent[] = [];
        let buffer = '';
        stream.setEncoding('utf8');
        stream.on('data', chunk => {
          buffer += chunk;
          const lines = buffer.split('\n');
          buffer = lines.pop()!;
          for (const line of lines)
            if (line.trim()) events.push(JSON.parse(line));
        });
        stream.on('error', () => {});
        return { events, stop: () => abort.abort() };
      },
      async hit(namespace, service, headers) {
        const res = await plane.fetchInCluster(
          await plane.serviceUrl(namespace, service),
          headers,
        );
        return res.text;
      },
      async stop() {
        await backend?.stop();
        await plane.stop();
      },
    };
  } catch (e) {
    await backend?.stop();
    await plane.stop();
    throw e;
  }
}
