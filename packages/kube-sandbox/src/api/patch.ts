/**
 * The three PATCH flavours of kube-apiserver: JSON patch (RFC 6902, via fast-json-patch),
 * JSON merge patch (RFC 7386, via json-merge-patch) and strategic merge patch (by hand:
 * there is no maintained JS implementation). Strategic merge covers the keyed lists a user
 * touches, with the patchMergeKeys of kubernetes/api core/v1 and apps/v1 types.
 */
import { applyPatch, Operation } from 'fast-json-patch';
import * as jsonMergePatch from 'json-merge-patch';
import { badRequest, jsonPatchUnprocessable } from './errors';

export const JSON_PATCH = 'application/json-patch+json';
export const MERGE_PATCH = 'application/merge-patch+json';
export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';
export const APPLY_PATCH = 'application/apply-patch+yaml';

type Json = any;

function clone<T>(v: T): T {
  return v === undefined ? v : JSON.parse(JSON.stringify(v));
}

export function applyJsonPatch(doc: Json, ops: unknown): Json {
  if (!Array.isArray(ops)) {
    throw badRequest(
      'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
    );
  }
  if (ops.length > 10000) {
    throw badRequest(
      `The allowed maximum operations in a JSON patch is 10000, got ${ops.length}`,
    );
  }
  try {
    return applyPatch(clone(doc), ops as Operation[], true, true).newDocument;
  } catch {
    // Failed `test`, replace/remove of a missing path, unknown op: all 422 in kube-apiserver.
    throw jsonPatchUnprocessable();
  }
}

export function applyMergePatch(doc: Json, patch: unknown): Json {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    throw badRequest(
      'json: cannot unmarshal array into Go value of type map[string]interface {}',
    );
  }
  return jsonMergePatch.apply(clone(doc), clone(patch));
}

/** patchMergeKey of a list, identified by its field name and its parent's field name. */
export function mergeKeyFor(path: string[]): string | undefined {
  const field = path[path.length - 1];
  const parent = path[path.length - 2];
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'env':
    case 'volumes':
    case 'imagePullSecrets':
    case 'resourceClaims':
    case 'secrets':
      return 'name';
    case 'volumeMounts':
      return 'mountPath';
    case 'volumeDevices':
      return 'devicePath';
    case 'conditions':
      return 'type';
    case 'hostAliases':
      return 'ip';
    case 'ownerReferences':
      return 'uid';
    case 'topologySpreadConstraints':
      return 'topologyKey';
    case 'ports':
      if (
        parent === 'containers' ||
        parent === 'initContainers' ||
        parent === 'ephemeralContainers'
      ) {
        return 'containerPort';
      }
      // Service spec.ports merge by port (plus protocol in the real key).
      if (parent === 'spec') return 'port';
      return undefined;
    default:
      return undefined;
  }
}

/** Primitive lists with patchStrategy "merge" (set union). */
const PRIMITIVE_MERGE_LISTS = new Set(['finalizers']);

function isMap(v: unknown): v is Record<string, Json> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function applyStrategicMergePatch(doc: Json, patch: unknown): Json {
  if (!isMap(patch)) {
    throw badRequest(
      'json: cannot unmarshal array into Go value of type map[string]interface {}',
    );
  }
  const out = mergeMap(clone(doc) ?? {}, patch, []);
  return out ?? {};
}

function mergeMap(
  orig: Record<string, Json>,
  patch: Record<string, Json>,
  path: string[],
): Record<string, Json> | undefined {
  const directive = patch.$patch;
  if (directive === 'delete') return undefined;
  if (directive === 'replace') return stripDirectives(patch);
  const result: Record<string, Json> = isMap(orig) ? { ...orig } : {};
  const orders: Array<[string, Json[]]> = [];
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys') continue;
    if (k.startsWith('$setElementOrder/')) {
      orders.push([k.slice('$setElementOrder/'.length), v]);
      continue;
    }
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const f = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(result[f]) && Array.isArray(v)) {
        result[f] = result[f].filter((x: Json) => !v.includes(x));
      }
      continue;
    }
    if (v === null) {
      delete result[k];
    } else if (isMap(v)) {
      const merged = mergeMap(isMap(result[k]) ? result[k] : {}, v, [
        ...path,
        k,
      ]);
      if (merged === undefined) delete result[k];
      else result[k] = merged;
    } else if (Array.isArray(v)) {
      result[k] = mergeList(result[k], v, [...path, k]);
    } else {
      result[k] = v;
    }
  }
  for (const [field, order] of orders) {
    const key = mergeKeyFor([...path, field]);
    if (Array.isArray(result[field]) && Array.isArray(order)) {
      result[field] = reorder(result[field], order, key);
    }
  }
  if (Array.isArray(patch.$retainKeys)) {
    for (const k of Object.keys(result)) {
      if (!patch.$retainKeys.includes(k)) delete result[k];
    }
  }
  return result;
}

function reorder(list: Json[], order: Json[], key: string | undefined): Json[] {
  const id = (x: Json) => (key && isMap(x) ? x[key] : x);
  const wanted = order.map(id);
  const inOrder: Json[] = [];
  for (const w of wanted) {
    const found = list.find(x => id(x) === w);
    if (found !== undefined) inOrder.push(found);
  }
  const rest = list.filter(x => !wanted.includes(id(x)));
  return [...inOrder, ...rest];
}

function mergeList(orig: Json, patch: Json[], path: string[]): Json[] {
  if (patch.some(e => isMap(e) && e.$patch === 'replace')) {
    return patch
      .filter(e => !(isMap(e) && e.$patch === 'replace'))
      .map(stripDirectives);
  }
  const field = path[path.length - 1];
  const key = mergeKeyFor(path);
  const current: Json[] = Array.isArray(orig) ? [...orig] : [];
  if (!key) {
    if (PRIMITIVE_MERGE_LISTS.has(field)) {
      const out = [...current];
      for (const v of patch) if (!out.includes(v)) out.push(v);
      return out;
    }
    return patch.map(stripDirectives);
  }
  for (const elem of patch) {
    if (!isMap(elem)) continue;
    const idx = current.findIndex(c => isMap(c) && c[key] === elem[key]);
    if (elem.$patch === 'delete') {
      if (idx >= 0) current.splice(idx, 1);
      continue;
    }
    if (idx >= 0) {
      const merged = mergeMap(current[idx], elem, path);
      if (merged === undefined) current.splice(idx, 1);
      else current[idx] = merged;
    } else {
      const added = mergeMap({}, elem, path);
      if (added !== undefined) current.push(added);
    }
  }
  return current;
}

function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isMap(v)) return v;
  const out: Record<string, Json> = {};
  for (const [k, val] of Object.entries(v)) {
    if (k.startsWith('$')) continue;
    out[k] = stripDirectives(val);
  }
  return out;
}
