import {
  AuthService,
  BackstageCredentials,
  DiscoveryService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { HttpKubeClient } from './HttpKubeClient';
import { KubeClient } from './KubeClient';

/**
 * A cluster from `kubernetes.clusterLocatorMethods[type=config]` whose credentials the plugin can
 * use itself (a service-account token, or none behind `kubectl proxy`).
 */
type DirectCluster = {
  name: string;
  url: string;
  token?: string;
  caData?: string;
  caFile?: string;
  skipTLSVerify: boolean;
};

/** What `kubernetes.clusterLocatorMethods` says, as far as the Blue/Green plugins care. */
export type KubernetesClusterConfig = {
  /** Clusters reached directly, by name. */
  direct: Map<string, DirectCluster>;
  /** Config clusters whose auth only the Kubernetes backend can perform (google, oidc, aws, ...). */
  proxiedConfigClusters: string[];
  /** Locator types other than `config` (catalog, gke, ...): their clusters are reached through the proxy. */
  otherLocators: string[];
};

const DIRECT_AUTH_PROVIDERS = ['serviceAccount', 'localKubectlProxy'];

/**
 * Reads the same `kubernetes.clusterLocatorMethods` the Kubernetes plugin uses: the Blue/Green
 * plugins keep no cluster list of their own.
 */
export function readKubernetesClusterConfig(
  config: Config,
): KubernetesClusterConfig {
  const result: KubernetesClusterConfig = {
    direct: new Map(),
    proxiedConfigClusters: [],
    otherLocators: [],
  };
  const methods =
    config.getOptionalConfigArray('kubernetes.clusterLocatorMethods') ?? [];
  for (const method of methods) {
    const type = method.getString('type');
    if (type === 'localKubectlProxy') {
      result.direct.set('local', {
        name: 'local',
        url: 'http://127.0.0.1:8001',
        skipTLSVerify: true,
      });
      continue;
    }
    if (type !== 'config') {
      result.otherLocators.push(type);
      continue;
    }
    for (const cluster of method.getOptionalConfigArray('clusters') ?? []) {
      const name = cluster.getString('name');
      const authProvider =
        cluster.getOptionalString('authProvider') ??
        cluster.getOptionalString('authMetadata.kubernetes.io/auth-provider');
      const token =
        cluster.getOptionalString('serviceAccountToken') ??
        cluster.getOptionalString('authMetadata.serviceAccountToken');
      const direct =
        authProvider !== undefined &&
        DIRECT_AUTH_PROVIDERS.includes(authProvider) &&
        (authProvider !== 'serviceAccount' || token !== undefined);
      if (!direct) {
        result.proxiedConfigClusters.push(name);
        continue;
      }
      result.direct.set(name, {
        name,
        url: cluster.getString('url'),
        token: authProvider === 'serviceAccount' ? token : undefined,
        caData: cluster.getOptionalString('caData'),
        caFile: cluster.getOptionalString('caFile'),
        skipTLSVerify: cluster.getOptionalBoolean('skipTLSVerify') ?? false,
      });
    }
  }
  return result;
}

/**
 * The one way the Blue/Green plugins reach Kubernetes.
 *
 * Clusters configured with a service-account token (or `localKubectlProxy`) are called directly;
 * every other cluster — other locators (catalog, GKE, AWS) or auth providers only the Kubernetes
 * backend can run — goes through the Kubernetes backend's proxy (`/api/kubernetes/proxy`, header
 * `Backstage-Kubernetes-Cluster`) on behalf of the caller. `blueGreen.kubernetes.access: proxy`
 * sends everything through the proxy.
 *
 * @public
 */
export class KubernetesGateway {
  readonly #clusters: KubernetesClusterConfig;
  readonly #forceProxy: boolean;
  readonly #timeoutMs: number;
  readonly #auth: AuthService;
  readonly #discovery: DiscoveryService;
  readonly #direct = new Map<string, Promise<KubeClient>>();
  readonly #proxyAgent = new http.Agent({ keepAlive: true });
  readonly #proxyTlsAgent = new https.Agent({ keepAlive: true });

  static fromConfig(
    config: Config,
    deps: {
      auth: AuthService;
      discovery: DiscoveryService;
      logger: LoggerService;
    },
  ): KubernetesGateway {
    const access =
      config.getOptionalString('blueGreen.kubernetes.access') ?? 'auto';
    if (access !== 'auto' && access !== 'proxy') {
      throw new Error(
        `blueGreen.kubernetes.access is "${access}"; it must be "auto" or "proxy"`,
      );
    }
    const timeoutMs =
      config.getOptionalNumber('blueGreen.kubernetes.requestTimeoutMs') ??
      10_000;
    const clusters = readKubernetesClusterConfig(config);
    const direct = [...clusters.direct.keys()].join(', ') || '(none)';
    const proxied =
      clusters.otherLocators.length || clusters.proxiedConfigClusters.length
        ? ', others through the Kubernetes backend proxy'
        : '';
    deps.logger.info(
      `Blue/Green reaches clusters ${direct} directly${proxied}`,
    );
    return new KubernetesGateway(clusters, access === 'proxy', timeoutMs, deps);
  }

  private constructor(
    clusters: KubernetesClusterConfig,
    forceProxy: boolean,
    timeoutMs: number,
    deps: { auth: AuthService; discovery: DiscoveryService },
  ) {
    this.#clusters = clusters;
    this.#forceProxy = forceProxy;
    this.#timeoutMs = timeoutMs;
    this.#auth = deps.auth;
    this.#discovery = deps.discovery;
  }

  /** Names of the clusters the gateway knows by configuration. */
  clusterNames(): string[] {
    return [
      ...this.#clusters.direct.keys(),
      ...this.#clusters.proxiedConfigClusters,
    ];
  }

  /**
   * Whether the cluster is reached with the plugin's own credentials, so that what it answers is
   * the same for every caller (and may be shared between them).
   */
  isShared(cluster: string | undefined): boolean {
    return (
      !this.#forceProxy &&
      cluster !== undefined &&
      this.#clusters.direct.has(cluster)
    );
  }

  /**
   * A client for the named cluster (or the only one, when `cluster` is undefined), acting for
   * `credentials` where the cluster is reached through the Kubernetes backend.
   */
  async client(
    cluster: string | undefined,
    credentials?: BackstageCredentials,
  ): Promise<KubeClient> {
    const name = this.#resolveName(cluster);
    const direct = name !== undefined && this.#clusters.direct.get(name);
    if (direct && !this.#forceProxy) {
      let client = this.#direct.get(direct.name);
      if (!client) {
        client = this.#directClient(direct);
        this.#direct.set(direct.name, client);
      }
      return client;
    }
    return this.#proxyClient(name, credentials);
  }

  #resolveName(cluster: string | undefined): string | undefined {
    const known = this.clusterNames();
    const proxiedLocators = this.#clusters.otherLocators.length > 0;
    if (cluster !== undefined) {
      if (known.includes(cluster) || proxiedLocators) return cluster;
      throw new InputError(
        `cluster "${cluster}" (annotation backstage.io/kubernetes-cluster) is not configured; known clusters: ${
          known.join(', ') || 'none'
        }`,
      );
    }
    if (known.length === 1 && !proxiedLocators) return known[0];
    if (known.length === 0 && proxiedLocators) return undefined; // the proxy picks its only cluster
    throw new InputError(
      `add annotation backstage.io/kubernetes-cluster to say which cluster runs this entity; known clusters: ${
        known.join(', ') || 'none'
      }`,
    );
  }

  async #directClient(cluster: DirectCluster): Promise<KubeClient> {
    // @kubernetes/client-node is ESM-only; the backend is CommonJS.
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [
        {
          name: cluster.name,
          server: cluster.url,
          caData: cluster.caData,
          caFile: cluster.caFile,
          skipTLSVerify: cluster.skipTLSVerify,
        },
      ],
      users: [{ name: 'blue-green', token: cluster.token }],
      contexts: [{ name: 'ctx', cluster: cluster.name, user: 'blue-green' }],
      currentContext: 'ctx',
    });
    // client-node turns the cluster entry into TLS options and an Authorization header; the
    // requests then share one keep-alive pool per cluster.
    const options: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(options);
    const ca =
      options.ca ??
      (cluster.caFile ? await readFile(cluster.caFile) : undefined);
    const url = new URL(cluster.url);
    const agent =
      url.protocol === 'https:'
        ? new https.Agent({
            keepAlive: true,
            ca,
            cert: options.cert,
            key: options.key,
            rejectUnauthorized: !cluster.skipTLSVerify,
          })
        : new http.Agent({ keepAlive: true });
    const headers = Object.fromEntries(
      Object.entries(options.headers ?? {}).map(([k, v]) => [k, String(v)]),
    );
    return new HttpKubeClient({
      cluster: cluster.name,
      baseUrl: url,
      agent,
      headers: async () => headers,
      timeoutMs: this.#timeoutMs,
    });
  }

  async #proxyClient(
    cluster: string | undefined,
    credentials?: BackstageCredentials,
  ): Promise<KubeClient> {
    const baseUrl = new URL(
      `${await this.#discovery.getBaseUrl('kubernetes')}/proxy`,
    );
    const auth = this.#auth;
    return new HttpKubeClient({
      cluster: cluster ?? 'default',
      baseUrl,
      agent:
        baseUrl.protocol === 'https:' ? this.#proxyTlsAgent : this.#proxyAgent,
      headers: async () => {
        // A fresh token per request, on behalf of the caller (the plugin itself for background work).
        const { token } = await auth.getPluginRequestToken({
          onBehalfOf: credentials ?? (await auth.getOwnServiceCredentials()),
          targetPluginId: 'kubernetes',
        });
        return {
          Authorization: `Bearer ${token}`,
          ...(cluster && { 'Backstage-Kubernetes-Cluster': cluster }),
        };
      },
      timeoutMs: this.#timeoutMs,
    });
  }
}
