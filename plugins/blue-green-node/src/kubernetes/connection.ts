import type { KubernetesCredential } from '@backstage/plugin-kubernetes-node';
import type http from 'node:http';
import type https from 'node:https';
import type { ClusterIdentity } from './clusterIdentity';

/**
 * The agent of one cluster connection, made by `@kubernetes/client-node` from the cluster's
 * settings as a kubeconfig would hold them: CA (`caData`, `caFile`), `skipTLSVerify`,
 * `tlsServerName`, `proxyUrl` (HTTP(S) or SOCKS), and an x509 client certificate when the
 * credential is one. Bearer tokens are not part of the agent: they go in each request's header.
 */
export async function clusterAgent(
  details: ClusterIdentity['details'],
  credential: KubernetesCredential,
): Promise<http.Agent> {
  // @kubernetes/client-node is ESM-only; the backend is CommonJS.
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  const x509 = credential.type === 'x509 client certificate' && credential;
  kc.loadFromOptions({
    clusters: [
      {
        name: details.name,
        server: details.url,
        caData: details.caData,
        caFile: details.caFile,
        // client-node refuses plain http unless told not to verify (there is nothing to verify).
        skipTLSVerify:
          (details.skipTLSVerify ?? false) || details.url.startsWith('http:'),
        tlsServerName: details.tlsServerName,
        proxyUrl: details.proxyUrl,
      },
    ],
    users: [
      {
        name: 'blue-green',
        ...(x509 && {
          certData: Buffer.from(x509.cert).toString('base64'),
          keyData: Buffer.from(x509.key).toString('base64'),
        }),
      },
    ],
    contexts: [{ name: 'ctx', cluster: details.name, user: 'blue-green' }],
    currentContext: 'ctx',
  });
  const options: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  const agent = options.agent as http.Agent & { options?: object };
  // client-node makes agents without keep-alive; each request would pay a new TCP (and TLS)
  // handshake. Node reads these two fields on every request and every freed socket.
  Object.assign(agent, { keepAlive: true });
  Object.assign(agent.options ?? {}, { keepAlive: true });
  return agent;
}

/** The request headers a credential asks for. */
export function credentialHeaders(
  credential: KubernetesCredential,
): Record<string, string> {
  return credential.type === 'bearer token'
    ? { Authorization: `Bearer ${credential.token}` }
    : {};
}
