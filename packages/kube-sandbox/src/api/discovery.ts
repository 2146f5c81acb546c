/**
 * Discovery documents (/api, /apis, /api/v1, /apis/G/V) and the OpenAPI v3 index and
 * group-version documents kubectl downloads before `apply` (REFERENCE §A.0).
 */
import { createHash } from 'crypto';
import { apiVersionOf, ResourceRegistry, ResourceType } from './resources';

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4-sandbox',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-01-01T00:00:00Z',
  goVersion: 'go1.23.6',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const ALL_VERBS = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
];

function resourceEntries(t: ResourceType, version: string) {
  const out: any[] = [
    {
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.virtual ? ['get', 'list'] : ALL_VERBS,
      ...(t.shortNames ? { shortNames: t.shortNames } : {}),
      ...(t.categories ? { categories: t.categories } : {}),
      storageVersionHash: createHash('sha256')
        .update(`${apiVersionOf(t, version)}/${t.kind}`)
        .digest('base64')
        .slice(0, 11),
    },
  ];
  for (const sub of t.subresources) {
    const base = {
      name: `${t.plural}/${sub}`,
      singularName: '',
      namespaced: t.namespaced,
    };
    switch (sub) {
      case 'scale':
        out.push({
          ...base,
          group: 'autoscaling',
          version: 'v1',
          kind: 'Scale',
          verbs: ['get', 'patch', 'update'],
        });
        break;
      case 'proxy':
        out.push({
          ...base,
          kind: `${t.kind}ProxyOptions`,
          verbs: ['create', 'delete', 'get', 'patch', 'update'],
        });
        break;
      case 'log':
        out.push({ ...base, kind: 'Pod', verbs: ['get'] });
        break;
      case 'finalize':
        out.push({ ...base, kind: t.kind, verbs: ['update'] });
        break;
      default:
        out.push({ ...base, kind: t.kind, verbs: ['get', 'patch', 'update'] });
    }
  }
  return out;
}

export function apiVersions(serverAddress: string) {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupDoc(name: string, versions: string[]) {
  return {
    name,
    versions: versions.map(v => ({ groupVersion: `${name}/${v}`, version: v })),
    preferredVersion: {
      groupVersion: `${name}/${versions[0]}`,
      version: versions[0],
    },
  };
}

export function apiGroupList(registry: ResourceRegistry) {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: registry.groups().map(g => groupDoc(g.name, g.versions)),
  };
}

export function apiGroup(registry: ResourceRegistry, group: string) {
  const g = registry.groups().find(x => x.name === group);
  if (!g) return undefined;
  return {
    kind: 'APIGroup',
    apiVersion: 'v1',
    ...groupDoc(g.name, g.versions),
  };
}

export function apiResourceList(
  registry: ResourceRegistry,
  group: string,
  version: string,
) {
  const types = registry.inGroupVersion(group, version);
  if (!types.length) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources: types.flatMap(t => resourceEntries(t, version)),
  };
}

function gvPath(group: string, version: string) {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

const QUERY_PARAMS = [
  'dryRun',
  'fieldManager',
  'fieldValidation',
  'pretty',
].map(name => ({
  name,
  in: 'query',
  schema: { type: 'string', uniqueItems: true },
}));

function op(t: ResourceType, version: string, action: string, id: string) {
  return {
    operationId: id,
    tags: [t.group || 'core'],
    parameters:
      action === 'get' || action === 'list' || action === 'delete'
        ? []
        : QUERY_PARAMS,
    responses: { '200': { description: 'OK' } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': {
      group: t.group,
      version,
      kind: t.kind,
    },
  };
}

export function openApiGroupVersion(
  registry: ResourceRegistry,
  group: string,
  version: string,
) {
  const types = registry.inGroupVersion(group, version);
  if (!types.length) return undefined;
  const paths: Record<string, any> = {};
  for (const t of types) {
    const base = `/${gvPath(group, version)}${
      t.namespaced ? '/namespaces/{namespace}' : ''
    }/${t.plural}`;
    const cap = t.kind;
    paths[base] = {
      get: op(t, version, 'list', `list${cap}`),
      ...(t.virtual ? {} : { post: op(t, version, 'post', `create${cap}`) }),
    };
    paths[`${base}/{name}`] = {
      get: op(t, version, 'get', `read${cap}`),
      ...(t.virtual
        ? {}
        : {
            put: op(t, version, 'put', `replace${cap}`),
            patch: op(t, version, 'patch', `patch${cap}`),
            delete: op(t, version, 'delete', `delete${cap}`),
          }),
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: SERVER_VERSION.gitVersion },
    paths,
    components: { schemas: {} },
  };
}

export function openApiIndex(registry: ResourceRegistry) {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  const gvs: Array<[string, string]> = [['', 'v1']];
  for (const g of registry.groups())
    for (const v of g.versions) gvs.push([g.name, v]);
  for (const [g, v] of gvs) {
    const doc = JSON.stringify(openApiGroupVersion(registry, g, v));
    const hash = createHash('sha512')
      .update(doc)
      .digest('hex')
      .slice(0, 32)
      .toUpperCase();
    paths[gvPath(g, v)] = {
      serverRelativeURL: `/openapi/v3/${gvPath(g, v)}?hash=${hash}`,
    };
  }
  return { paths };
}
