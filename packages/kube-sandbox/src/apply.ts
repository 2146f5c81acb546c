/**
 * `kubectl apply -f` for the sandbox's own fixtures: multi-document YAML, each object
 * created with the last-applied-configuration annotation (as kubectl's client-side apply
 * does on create) or merge-patched onto the live object when it exists.
 */
import { parseAllDocuments } from 'yaml';
import { ResourceService } from './api/service';
import { KubeObject } from './api/store';
import { MERGE_PATCH, STRATEGIC_MERGE_PATCH } from './api/patch';
import { ApiError } from './api/errors';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export function parseManifests(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map(d => d.toJS())
    .filter(d => d && typeof d === 'object' && d.kind);
}

export function applyObject(
  api: ResourceService,
  obj: KubeObject,
  defaultNamespace = 'default',
) {
  const type = api.registry.forKind(obj.apiVersion, obj.kind);
  if (!type)
    throw new Error(
      `no matches for kind "${obj.kind}" in version "${obj.apiVersion}"`,
    );
  const ns = type.namespaced
    ? obj.metadata?.namespace ?? defaultNamespace
    : undefined;
  const body = JSON.parse(JSON.stringify(obj));
  body.metadata.annotations = {
    ...(body.metadata.annotations ?? {}),
    [LAST_APPLIED]: `${JSON.stringify(obj)}\n`,
  };
  try {
    api.get(type, ns, obj.metadata.name);
  } catch (e) {
    if (e instanceof ApiError && e.code === 404)
      return api.create(type, ns, body).obj;
    throw e;
  }
  return api.patch(
    type,
    ns,
    obj.metadata.name,
    type.custom ? MERGE_PATCH : STRATEGIC_MERGE_PATCH,
    JSON.stringify(body),
  ).obj;
}

export function applyManifests(
  api: ResourceService,
  text: string,
  defaultNamespace = 'default',
) {
  return parseManifests(text).map(o => applyObject(api, o, defaultNamespace));
}
