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
  clusterRole: any;
  /** Restarts the backend with another service account's token (same database). */
  restartBackendAs(serviceAccount: {
    namespace: string;
    name: string;
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

/** A service account bound (cluster-wide) to exactly this ClusterRole. */
export async function bindServiceAccount(
  plane: ControlPlane,
  account: { namespace: string; name: string },
  clusterRole: string,
) {
  for (const args of [
    ['create', 'namespace', account.namespace],
    ['create', 'serviceaccount', '-n', account.namespace, account.name],
    [
      'create',
      'clusterrolebinding',
      `${account.namespace}-${account.name}`,
      `--clusterrole=${clusterRole}`,
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
    const applied = await plane.kubectl(['apply', '-f', '-'], {
      input: JSON.stringify(clusterRole),
    });
    if (applied.code !== 0) throw new Error(applied.stderr);
    await bindServiceAccount(
      plane,
      PLUGIN_SERVICE_ACCOUNT,
      clusterRole.metadata.name,
    );

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

    return {
      plane,
      clusterRole,
      get server() {
        return backend!.server;
      },
      as: asUser(() => backend!.server),
      async restartBackend() {
        await backend!.stop();
        backend = await startBackend(config);
      },
      async restartBackendAs(account) {
        config = await configFor(account);
        await backend!.stop();
        backend = await startBackend(config);
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
