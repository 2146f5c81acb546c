import { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { Config, readDurationFromConfig } from '@backstage/config';
import {
  InputError,
  NotAllowedError,
  ServiceUnavailableError,
  toError,
} from '@backstage/errors';
import type {
  AuthenticationStrategy,
  ClusterDetails,
  KubernetesCredential,
} from '@backstage/plugin-kubernetes-node';
import { durationToMilliseconds } from '@backstage/types';
import type http from 'node:http';
import {
  ClusterIdentity,
  ClusterOverride,
  identityOf,
  readClusterOverrides,
} from './clusterIdentity';
import { clusterAgent, credentialHeaders } from './connection';
import { HttpKubeClient } from './HttpKubeClient';
import { KubeClient } from './KubeClient';
import {
  KubernetesPluginClusters,
  KubernetesPluginMachinery,
} from './KubernetesPluginClusters';
import { currentUserClusterAuth } from './userClusterAuth';

/** How long the cluster list is reused: a catalog or GKE locator answers with a request of its own. */
const CLUSTER_LIST_TTL_MS = 10_000;
/**
 * How long a credential is reused. The Kubernetes plugin asks its strategy on every request;
 * `googleServiceAccount` builds a new Google client and exchanges a token each time (one network
 * round trip per Kubernetes request, counted in the cluster-access integration test), `aws`
 * signs a new token. Every provider's token outlives this by far (EKS: 15 minutes).
 */
const CREDENTIAL_TTL_MS = 60_000;

type ClusterEntry = {
  fingerprint: string;
  client: Promise<HttpKubeClient>;
  close(): void;
};

/**
 * The one way the Blue/Green plugins reach Kubernetes.
 *
 * Every cluster the Kubernetes plugin knows — from any locator in `kubernetes.clusterLocatorMethods`
 * or a custom cluster supplier — is reached directly with backend-side credentials, obtained by the
 * Kubernetes plugin's own auth strategies: the plugin's own identity from
 * `blueGreen.kubernetes.clusters` when configured there, else the Kubernetes plugin's (when it is a
 * backend-side one). A cluster with only user-side auth (`google`, `oidc`) is read with the
 * requesting user's token and never written. Nothing goes through the Kubernetes proxy.
 *
 * @public
 */
export class KubernetesGateway {
  readonly #machinery: KubernetesPluginClusters;
  readonly #overrides: Map<string, ClusterOverride>;
  readonly #auth: AuthService;
  readonly #logger: LoggerService;
  readonly #timeoutMs: number;
  #list?: { at: number; clusters: Promise<Map<string, ClusterDetails>> };
  readonly #clients = new Map<string, ClusterEntry>();
  #warnedOverrides = false;

  static create(options: {
    config: Config;
    auth: AuthService;
    logger: LoggerService;
    clusters: KubernetesPluginClusters;
  }): KubernetesGateway {
    return new KubernetesGateway(options);
  }

  private constructor(options: Parameters<typeof KubernetesGateway.create>[0]) {
    this.#machinery = options.clusters;
    this.#auth = options.auth;
    this.#logger = options.logger;
    // Bad identities stop the start-up, as a bad Kubernetes cluster config does.
    this.#overrides = readClusterOverrides(options.config);
    const timeoutKey = 'blueGreen.kubernetes.requestTimeout';
    this.#timeoutMs = options.config.has(timeoutKey)
      ? durationToMilliseconds(
          readDurationFromConfig(options.config, { key: timeoutKey }),
        )
      : 10_000;
  }

  /** Names of the clusters the Kubernetes plugin supplies. */
  async clusterNames(): Promise<string[]> {
    return [...(await this.#clusters()).keys()];
  }

  /**
   * Whether every caller reads the same objects from this cluster (the plugin's own identity), so
   * one read may serve them all.
   */
  async readsAreShared(cluster: string | undefined): Promise<boolean> {
    try {
      const { identity } = await this.#identity(cluster);
      return identity.kind === 'plugin';
    } catch {
      return false;
    }
  }

  /** A client for the named cluster (or the only one, when `cluster` is undefined). */
  async client(cluster: string | undefined): Promise<KubeClient> {
    const { identity, machinery } = await this.#identity(cluster);
    const name = identity.details.name;
    const fingerprint = JSON.stringify([
      identity.kind,
      identity.details.url,
      identity.details.caData,
      identity.details.caFile,
      identity.details.skipTLSVerify,
      identity.details.tlsServerName,
      identity.details.proxyUrl,
      identity.details.authMetadata,
    ]);
    const known = this.#clients.get(name);
    if (known?.fingerprint === fingerprint) return known.client;
    known?.close();
    const entry = this.#newClient(identity, machinery, fingerprint);
    this.#clients.set(name, entry);
    entry.client.catch(() => {
      if (this.#clients.get(name) === entry) this.#clients.delete(name);
    });
    return entry.client;
  }

  async #identity(cluster: string | undefined): Promise<{
    identity: ClusterIdentity;
    machinery: KubernetesPluginMachinery;
  }> {
    const clusters = await this.#clusters();
    let details: ClusterDetails | undefined;
    if (cluster !== undefined) {
      details = clusters.get(cluster);
    } else if (clusters.size === 1) {
      details = [...clusters.values()][0];
    }
    if (!details) {
      const known = [...clusters.keys()].join(', ') || 'none';
      throw new InputError(
        cluster === undefined
          ? `add annotation backstage.io/kubernetes-cluster to say which cluster runs this entity; known clusters: ${known}`
          : `cluster "${cluster}" (annotation backstage.io/kubernetes-cluster) is not one the Kubernetes plugin knows; known clusters: ${known}`,
      );
    }
    return {
      identity: identityOf(details, this.#overrides.get(details.name)),
      machinery: await this.#machineryOrOutage(),
    };
  }

  async #machineryOrOutage(): Promise<KubernetesPluginMachinery> {
    try {
      return await this.#machinery.get();
    } catch (error) {
      throw new ServiceUnavailableError(toError(error).message);
    }
  }

  /** The Kubernetes plugin's clusters by name, reused for a few seconds. */
  #clusters(): Promise<Map<string, ClusterDetails>> {
    const now = Date.now();
    if (this.#list && now - this.#list.at < CLUSTER_LIST_TTL_MS) {
      return this.#list.clusters;
    }
    const clusters = (async () => {
      const { clusterSupplier } = await this.#machineryOrOutage();
      const list = await clusterSupplier.getClusters({
        credentials: await this.#auth.getOwnServiceCredentials(),
      });
      const byName = new Map(list.map(c => [c.name, c]));
      this.#warnUnknownOverrides(byName);
      return byName;
    })();
    const entry = { at: now, clusters };
    this.#list = entry;
    clusters.catch(() => {
      if (this.#list === entry) this.#list = undefined;
    });
    return clusters;
  }

  #warnUnknownOverrides(clusters: Map<string, ClusterDetails>) {
    if (this.#warnedOverrides) return;
    this.#warnedOverrides = true;
    for (const name of this.#overrides.keys()) {
      if (!clusters.has(name)) {
        this.#logger.warn(
          `blueGreen.kubernetes.clusters names "${name}", which the Kubernetes plugin does not supply (known: ${
            [...clusters.keys()].join(', ') || 'none'
          })`,
        );
      }
    }
  }

  #newClient(
    identity: ClusterIdentity,
    machinery: KubernetesPluginMachinery,
    fingerprint: string,
  ): ClusterEntry {
    const { details, authProvider } = identity;
    const agents = new Map<string, Promise<http.Agent>>();
    const agentFor = (credential: KubernetesCredential) => {
      const key =
        credential.type === 'x509 client certificate'
          ? `${credential.cert}|${credential.key}`
          : '';
      let agent = agents.get(key);
      if (!agent) {
        agent = clusterAgent(details, credential);
        agents.set(key, agent);
      }
      return agent;
    };
    const close = () => {
      for (const agent of agents.values()) {
        agent.then(a => a.destroy()).catch(() => undefined);
      }
      agents.clear();
    };

    const client = (async () => {
      const strategy = strategyOf(identity, machinery);
      const problems = strategy.validateCluster(details.authMetadata);
      if (problems.length > 0) {
        throw new ServiceUnavailableError(
          `cluster ${details.name}: ${problems.map(p => p.message).join(', ')}`,
        );
      }
      this.#logIdentity(identity);
      const credential =
        identity.kind === 'plugin'
          ? cachedCredential(() =>
              strategy.getCredential(details, {}).then(c => {
                if (
                  c.type === 'anonymous' &&
                  authProvider !== 'localKubectlProxy'
                ) {
                  throw new Error(
                    `the ${authProvider} auth strategy gave no credential`,
                  );
                }
                return c;
              }),
            )
          : userCredential(identity, strategy);
      return new HttpKubeClient({
        cluster: details.name,
        baseUrl: new URL(details.url),
        timeoutMs: this.#timeoutMs,
        readOnly: identity.kind === 'user' ? identity.reason : undefined,
        onUnauthorized: credential.forget,
        connect: async () => {
          let value: KubernetesCredential;
          try {
            value = await credential.get();
          } catch (error) {
            if (error instanceof NotAllowedError) throw error;
            throw new ServiceUnavailableError(
              `cluster ${
                details.name
              }: no credentials from the Kubernetes plugin's ${authProvider} auth strategy: ${
                toError(error).message
              }`,
            );
          }
          return {
            agent: await agentFor(value),
            headers: credentialHeaders(value),
          };
        },
      });
    })();
    return { fingerprint, client, close };
  }

  #logIdentity(identity: ClusterIdentity) {
    const name = identity.details.name;
    if (identity.kind === 'user') {
      this.#logger.warn(identity.reason);
    } else if (identity.source === 'blueGreen.kubernetes.clusters') {
      this.#logger.info(
        `Blue/Green reaches cluster ${name} with its own ${identity.authProvider} credentials`,
      );
    } else {
      this.#logger.info(
        `Blue/Green reaches cluster ${name} with the Kubernetes plugin's ${identity.authProvider} credentials; give it its own least-privilege identity in blueGreen.kubernetes.clusters`,
      );
    }
  }
}

function strategyOf(
  identity: ClusterIdentity,
  machinery: KubernetesPluginMachinery,
): AuthenticationStrategy {
  const strategy = machinery.authStrategies[identity.authProvider];
  if (!strategy) {
    throw new ServiceUnavailableError(
      `cluster ${identity.details.name}: authProvider "${
        identity.authProvider
      }" (${
        identity.source
      }) is not one of the Kubernetes plugin's auth strategies (${Object.keys(
        machinery.authStrategies,
      ).join(', ')})`,
    );
  }
  return strategy;
}

type CredentialSource = {
  get(): Promise<KubernetesCredential>;
  forget?: () => void;
};

/** The plugin's credential, reused for {@link CREDENTIAL_TTL_MS}, forgotten when refused. */
function cachedCredential(
  fetch: () => Promise<KubernetesCredential>,
): CredentialSource {
  let cached: { at: number; value: Promise<KubernetesCredential> } | undefined;
  return {
    get() {
      const now = Date.now();
      if (!cached || now - cached.at >= CREDENTIAL_TTL_MS) {
        const entry = { at: now, value: fetch() };
        cached = entry;
        entry.value.catch(() => {
          if (cached === entry) cached = undefined;
        });
      }
      return cached.value;
    },
    forget() {
      cached = undefined;
    },
  };
}

/** The requesting user's own token for a cluster with user-side auth only. */
function userCredential(
  identity: ClusterIdentity & { kind: 'user' },
  strategy: AuthenticationStrategy,
): CredentialSource {
  const header =
    identity.authProvider === 'oidc'
      ? `Backstage-Kubernetes-Authorization-Oidc-${
          identity.details.authMetadata['kubernetes.io/oidc-token-provider'] ??
          '<provider>'
        }`
      : `Backstage-Kubernetes-Authorization-${identity.authProvider}`;
  return {
    async get() {
      const requestAuth = currentUserClusterAuth();
      const refused = () =>
        new NotAllowedError(
          `${identity.reason}. Reading it needs your own ${identity.authProvider} token (header ${header}), and this request sent none`,
        );
      if (!requestAuth) throw refused();
      try {
        const credential = await strategy.getCredential(
          identity.details,
          requestAuth,
        );
        if (credential.type === 'anonymous') throw refused();
        return credential;
      } catch (error) {
        if (error instanceof NotAllowedError) throw error;
        throw refused();
      }
    },
  };
}
