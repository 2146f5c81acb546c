import { Config } from '@backstage/config';
import {
  ANNOTATION_KUBERNETES_AUTH_PROVIDER,
  ANNOTATION_KUBERNETES_AWS_ASSUME_ROLE,
  ANNOTATION_KUBERNETES_AWS_EXTERNAL_ID,
} from '@backstage/plugin-kubernetes-common';
import type {
  AuthMetadata,
  ClusterDetails,
} from '@backstage/plugin-kubernetes-node';

/**
 * Auth providers whose credential is a signed-in user's token (sent by the browser with each
 * request). Background work — the post-promote watch, automatic rollback, scheduled scale-downs —
 * has no user, and a user's token would let anyone who can reach the plugin switch as that user:
 * Blue/Green never writes with them.
 */
export const USER_SIDE_AUTH_PROVIDERS = ['google', 'oidc', 'aks'];

/** `blueGreen.kubernetes.clusters[]`: the plugin's own identity (and connection settings) per cluster. */
export type ClusterOverride = {
  name: string;
  /** The auth metadata the plugin's own credentials come from; absent: the Kubernetes plugin's. */
  authMetadata?: AuthMetadata;
  /** Settings the Kubernetes plugin's cluster config has no keys for, passed to client-node. */
  tlsServerName?: string;
  proxyUrl?: string;
};

/**
 * How the plugin reaches one cluster:
 * - `plugin`: with backend-side credentials (its own, or the Kubernetes plugin's), for reads,
 *   writes and background work;
 * - `user`: the cluster has only user-side auth: read with the requesting user's token, never
 *   written; `reason` says what to configure.
 */
export type ClusterIdentity = {
  /** Cluster details whose `authMetadata` names the strategy and its settings. */
  details: ClusterDetails & { tlsServerName?: string; proxyUrl?: string };
  authProvider: string;
  /** Where the credentials come from, for the start-up log. */
  source: 'blueGreen.kubernetes.clusters' | 'kubernetes';
} & ({ kind: 'plugin' } | { kind: 'user'; reason: string });

const AUTH_METADATA_KEYS: Array<[string, string]> = [
  ['serviceAccountToken', 'serviceAccountToken'],
  ['assumeRole', ANNOTATION_KUBERNETES_AWS_ASSUME_ROLE],
  ['externalId', ANNOTATION_KUBERNETES_AWS_EXTERNAL_ID],
];

/**
 * Reads `blueGreen.kubernetes.clusters` in the forms the Kubernetes plugin's config clusters
 * accept: `authProvider` with `serviceAccountToken` / `assumeRole` / `externalId`, or an
 * `authMetadata` block. Refuses user-side providers at start-up.
 */
export function readClusterOverrides(
  config: Config,
): Map<string, ClusterOverride> {
  const result = new Map<string, ClusterOverride>();
  const entries =
    config.getOptionalConfigArray('blueGreen.kubernetes.clusters') ?? [];
  entries.forEach((entry, index) => {
    const where = `blueGreen.kubernetes.clusters[${index}]`;
    const name = entry.getString('name');
    if (result.has(name)) {
      throw new Error(`${where}: cluster "${name}" is listed twice`);
    }
    // `authMetadata` keys contain dots (kubernetes.io/auth-provider): read the block as an object.
    const block = entry.getOptional<Record<string, unknown>>('authMetadata');
    if (block !== undefined && (typeof block !== 'object' || block === null)) {
      throw new Error(`${where}.authMetadata must be a map of strings`);
    }
    const authMetadata: AuthMetadata = {};
    for (const [key, value] of Object.entries(block ?? {})) {
      if (typeof value !== 'string') {
        throw new Error(`${where}.authMetadata["${key}"] must be a string`);
      }
      authMetadata[key] = value;
    }
    const authProvider =
      authMetadata[ANNOTATION_KUBERNETES_AUTH_PROVIDER] ??
      entry.getOptionalString('authProvider');
    for (const [key, metadataKey] of AUTH_METADATA_KEYS) {
      const value = entry.getOptionalString(key);
      if (value !== undefined) authMetadata[metadataKey] ??= value;
    }
    if (authProvider !== undefined) {
      if (USER_SIDE_AUTH_PROVIDERS.includes(authProvider)) {
        throw new Error(
          `${where}: authProvider "${authProvider}" is a signed-in user's token; Blue/Green switches and runs its background work with credentials of its own: use serviceAccount, aws, azure or googleServiceAccount`,
        );
      }
      authMetadata[ANNOTATION_KUBERNETES_AUTH_PROVIDER] = authProvider;
    } else if (Object.keys(authMetadata).length > 0) {
      throw new Error(
        `${where}: say which credentials to use with authProvider (serviceAccount, aws, azure, googleServiceAccount)`,
      );
    }
    result.set(name, {
      name,
      authMetadata: authProvider === undefined ? undefined : authMetadata,
      tlsServerName: entry.getOptionalString('tlsServerName'),
      proxyUrl: entry.getOptionalString('proxyUrl'),
    });
  });
  return result;
}

/** Which credentials the plugin uses for `cluster` (as the Kubernetes plugin supplies it). */
export function identityOf(
  cluster: ClusterDetails,
  override: ClusterOverride | undefined,
): ClusterIdentity {
  const connection = {
    ...(override?.tlsServerName && { tlsServerName: override.tlsServerName }),
    ...(override?.proxyUrl && { proxyUrl: override.proxyUrl }),
  };
  if (override?.authMetadata) {
    return {
      kind: 'plugin',
      details: {
        ...cluster,
        ...connection,
        authMetadata: override.authMetadata,
      },
      authProvider: override.authMetadata[ANNOTATION_KUBERNETES_AUTH_PROVIDER],
      source: 'blueGreen.kubernetes.clusters',
    };
  }
  const details = { ...cluster, ...connection };
  const authProvider =
    cluster.authMetadata[ANNOTATION_KUBERNETES_AUTH_PROVIDER] ?? '(none)';
  if (USER_SIDE_AUTH_PROVIDERS.includes(authProvider)) {
    return {
      kind: 'user',
      details,
      authProvider,
      source: 'kubernetes',
      reason: `Blue/Green can only read cluster "${cluster.name}": the Kubernetes plugin reaches it with each user's own ${authProvider} token, and Blue/Green switches with credentials of its own. Give it some in app-config: blueGreen.kubernetes.clusters: [{ name: ${cluster.name}, authProvider: serviceAccount | aws | azure | googleServiceAccount, ... }] and bind them to the Blue/Green ClusterRole`,
    };
  }
  return { kind: 'plugin', details, authProvider, source: 'kubernetes' };
}
