import type { KubernetesRequestAuth } from '@backstage/plugin-kubernetes-common';
import { AsyncLocalStorage } from 'node:async_hooks';

const HEADER_PREFIX = 'backstage-kubernetes-authorization-';

/**
 * A user's own cluster tokens, from the headers the Kubernetes plugin's frontend sends to its
 * proxy: `Backstage-Kubernetes-Authorization-Google: <token>`,
 * `Backstage-Kubernetes-Authorization-Oidc-<provider>: <token>`. The same shape the Kubernetes
 * backend's auth strategies take (`{ google: token, oidc: { provider: token } }`).
 */
export function requestAuthFromHeaders(
  headers: Record<string, string | string[] | undefined>,
): KubernetesRequestAuth | undefined {
  const auth: Record<string, any> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (!lower.startsWith(HEADER_PREFIX) || typeof value !== 'string') continue;
    const [framework, ...provider] = lower
      .slice(HEADER_PREFIX.length)
      .split('-');
    if (!framework) continue;
    if (provider.length === 0) auth[framework] = value;
    else auth[framework] = { ...auth[framework], [provider.join('-')]: value };
  }
  return Object.keys(auth).length > 0 ? auth : undefined;
}

const storage = new AsyncLocalStorage<KubernetesRequestAuth>();

/**
 * Express middleware of the Blue/Green backend: a request's own cluster tokens stay with the
 * work that request starts, so a cluster the plugin has no credentials of its own for (auth
 * provider `google`, `oidc`) can still be read — never written — as that user. Carried beside
 * the services rather than through them: only the gateway reads it, only for such clusters.
 *
 * @public
 */
export function userClusterAuthMiddleware() {
  return (
    req: { headers: Record<string, string | string[] | undefined> },
    _res: unknown,
    next: (error?: unknown) => void,
  ) => {
    const auth = requestAuthFromHeaders(req.headers);
    if (auth) storage.run(auth, next);
    else next();
  };
}

/** The cluster tokens of the request being served, if it sent any. */
export function currentUserClusterAuth(): KubernetesRequestAuth | undefined {
  return storage.getStore();
}
