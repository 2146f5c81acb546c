import type { LoggedRequest } from './requestLog';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

/*
 * Kubernetes RBAC, as far as tests compare a client's requests (the request log) with a role it
 * ships: the attributes of a request and whether a role's rules grant them. Not an authorizer —
 * the sandbox itself accepts every request its token check lets through.
 */

/** What Kubernetes RBAC authorizes a resource request by. */
export type RbacAttributes = {
  verb: string;
  apiGroup: string;
  /** `pods`, or `pods/proxy` for a subresource. */
  resource: string;
  /** Undefined for a cluster-wide request (a list across namespaces, a cluster-scoped object). */
  namespace?: string;
};

export type PolicyRule = {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
};

/**
 * The RBAC attributes of an API request, as kube-apiserver derives them from the URL and method
 * (its RequestInfoFactory): `/apis/GROUP/VERSION/namespaces/NS/RESOURCE/NAME/SUBRESOURCE`, the
 * verb from the method, a GET on a collection is `list` (`watch` with `watch=true`). Requests
 * outside `/api` and `/apis` (the sandbox's own routes) have none.
 */
export function rbacAttributes(
  request: Pick<LoggedRequest, 'method' | 'path' | 'query'>,
): RbacAttributes | undefined {
  const parts = request.path.split('/').filter(Boolean).map(decodeURIComponent);
  let rest: string[];
  let apiGroup: string;
  if (parts[0] === 'api' && parts.length >= 3) {
    apiGroup = '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    apiGroup = parts[1];
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource] = rest;
  const watch = new URLSearchParams(request.query).get('watch') === 'true';
  let read = name === undefined ? 'list' : 'get';
  if (watch) read = 'watch';
  const verb = {
    GET: read,
    HEAD: 'get',
    POST: 'create',
    PUT: 'update',
    PATCH: 'patch',
    DELETE: name === undefined ? 'deletecollection' : 'delete',
  }[request.method];
  if (!verb) return undefined;
  return {
    verb,
    apiGroup,
    resource: subresource ? `${resource}/${subresource}` : resource,
    namespace,
  };
}

/** Whether one of `rules` allows the request (no resourceNames are used by the shipped roles). */
export function grants(rules: PolicyRule[], attributes: RbacAttributes) {
  const has = (list: string[] | undefined, value: string) =>
    Boolean(list?.includes(value) || list?.includes('*'));
  return rules.some(
    rule =>
      !rule.resourceNames &&
      has(rule.apiGroups, attributes.apiGroup) &&
      has(rule.resources, attributes.resource) &&
      has(rule.verbs, attributes.verb),
  );
}

/** The documents of a manifest file, by kind. */
export function readManifests(file: string): Array<{
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: PolicyRule[];
}> {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map(d => d.toJS())
    .filter(Boolean);
}

/** `verb group/resource`, the key the suites compare sets of attributes by. */
export function attributeKey(a: RbacAttributes): string {
  return `${a.verb} ${a.apiGroup || 'core'}/${a.resource}`;
}
