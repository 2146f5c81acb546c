/**
 * The API semantics of kube-apiserver's generic registry: create/update/patch/delete with
 * resourceVersion preconditions, status subresources, generation, scale subresources,
 * finalizers and graceful pod deletion. The HTTP layer and the controllers both go
 * through this class, so every write obeys the same rules.
 */
import { randomBytes, randomUUID } from 'crypto';
import {
  ApiError,
  badRequest,
  conflict,
  invalid,
  notFound,
  alreadyExists,
  unsupportedMediaType,
} from './errors';
import {
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
  APPLY_PATCH,
  JSON_PATCH,
  MERGE_PATCH,
  STRATEGIC_MERGE_PATCH,
} from './patch';
import {
  apiVersionOf,
  ResourceRegistry,
  ResourceType,
  typeKey,
} from './resources';
import {
  FieldRequirement,
  LabelSelector,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
} from './selectors';
import { KubeObject, Store, StoredObject } from './store';
import {
  formatLabelSelector,
  labelSelectorOf,
  LabelSelectorObject,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { parse as parseYaml } from 'yaml';

export type AdmissionOp = 'CREATE' | 'UPDATE';
/** Mutating/validating admission: may change `obj` or throw an ApiError. */
export type Admission = (
  op: AdmissionOp,
  type: ResourceType,
  obj: KubeObject,
  old: KubeObject | undefined,
) => void;

export interface WriteOptions {
  subresource?: string;
  dryRun?: boolean;
  fieldManager?: string;
  force?: boolean;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface ListResult {
  items: StoredObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

const RANDOM_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Five characters like apiserver's names.SimpleNameGenerator. */
export function randomSuffix(n = 5): string {
  const bytes = randomBytes(n);
  let s = '';
  for (let i = 0; i < n; i++)
    s += RANDOM_ALPHABET[bytes[i] % RANDOM_ALPHABET.length];
  return s;
}

const DNS_SUBDOMAIN =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Types whose DELETE answers with the deleted object rather than a Status. */
const RETURNS_DELETED_OBJECT = new Set(['pods', 'services', 'namespaces']);

export class ResourceService {
  private readonly admissions: Admission[] = [];

  constructor(readonly registry: ResourceRegistry, readonly store: Store) {}

  addAdmission(a: Admission) {
    this.admissions.push(a);
  }

  type(key: string): ResourceType {
    return this.registry.byKey(key);
  }

  private checkNamespace(type: ResourceType, namespace: string | undefined) {
    if (!type.namespaced) return;
    if (!namespace)
      throw badRequest('the server could not find the requested resource');
    if (!this.store.peek('namespaces', undefined, namespace)) {
      throw notFound('namespaces', '', namespace);
    }
  }

  get(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
  ): StoredObject {
    const s = this.store.peek(
      typeKey(type),
      type.namespaced ? namespace : undefined,
      name,
    );
    if (!s) throw notFound(type.plural, type.group, name);
    return s;
  }

  list(type: ResourceType, opts: ListOptions = {}): ListResult {
    let labelSel: LabelSelector;
    try {
      labelSel = parseLabelSelector(opts.labelSelector);
    } catch (e) {
      throw badRequest((e as Error).message);
    }
    const fieldSel: FieldRequirement[] = parseFieldSelector(
      opts.fieldSelector,
      ['metadata.name', 'metadata.namespace', ...(type.fieldSelectors ?? [])],
    );
    const rv = String(this.store.currentRv());
    let all = this.store.list(
      typeKey(type),
      type.namespaced ? opts.namespace : undefined,
    );
    if (labelSel.length || fieldSel.length) {
      all = all.filter(
        s =>
          matchesLabels(labelSel, s.obj.metadata.labels) &&
          matchesFields(fieldSel, s.obj),
      );
    }
    let start = 0;
    if (opts.continue) {
      try {
        const c = JSON.parse(Buffer.from(opts.continue, 'base64').toString());
        start = Number(c.start) || 0;
      } catch {
        throw badRequest(`continue key is not valid: ${opts.continue}`);
      }
    }
    if (opts.limit && opts.limit > 0 && start + opts.limit < all.length) {
      const end = start + opts.limit;
      return {
        items: all.slice(start, end),
        resourceVersion: rv,
        continue: Buffer.from(JSON.stringify({ rv, start: end })).toString(
          'base64',
        ),
        remainingItemCount: all.length - end,
      };
    }
    return { items: start ? all.slice(start) : all, resourceVersion: rv };
  }

  private checkBodyIdentity(
    type: ResourceType,
    namespace: string | undefined,
    body: any,
  ) {
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw badRequest("Object 'Kind' is missing in 'null'");
    }
    if (body.kind !== undefined && body.kind !== type.kind) {
      throw badRequest(
        `the kind in the data (${body.kind}) does not match the expected kind (${type.kind})`,
      );
    }
    if (
      body.apiVersion !== undefined &&
      !type.versions.some(v => apiVersionOf(type, v) === body.apiVersion)
    ) {
      throw badRequest(
        `the API version in the data (${
          body.apiVersion
        }) does not match the expected API version (${apiVersionOf(type)})`,
      );
    }
    body.metadata ??= {};
    if (type.namespaced) {
      if (body.metadata.namespace && body.metadata.namespace !== namespace) {
        throw badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      body.metadata.namespace = namespace;
    } else {
      delete body.metadata.namespace;
    }
    body.apiVersion = apiVersionOf(type);
    body.kind = type.kind;
  }

  create(
    type: ResourceType,
    namespace: string | undefined,
    input: any,
    opts: WriteOptions = {},
  ): StoredObject {
    if (type.virtual)
      throw new ApiError(
        405,
        'MethodNotAllowed',
        'the server does not allow this method on the requested resource',
        {},
      );
    const body = JSON.parse(JSON.stringify(input ?? null));
    this.checkBodyIdentity(type, namespace, body);
    this.checkNamespace(type, namespace);
    const md = body.metadata;
    if (!md.name && md.generateName)
      md.name = `${md.generateName}${randomSuffix()}`;
    if (!md.name) {
      throw invalid(type.kind, type.group, '', [
        {
          type: 'FieldValueRequired',
          field: 'metadata.name',
          message: 'Required value: name or generateName is required',
        },
      ]);
    }
    if (!DNS_SUBDOMAIN.test(md.name) || md.name.length > 253) {
      throw invalid(type.kind, type.group, md.name, [
        {
          type: 'FieldValueInvalid',
          field: 'metadata.name',
          message: `Invalid value: "${md.name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
        },
      ]);
    }
    const key = typeKey(type);
    if (
      this.store.peek(key, type.namespaced ? namespace : undefined, md.name)
    ) {
      throw alreadyExists(type.plural, type.group, md.name);
    }
    md.uid = randomUUID();
    md.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    delete md.resourceVersion;
    delete md.deletionTimestamp;
    delete md.deletionGracePeriodSeconds;
    if (type.generation) md.generation = 1;
    else delete md.generation;
    if (type.statusSubresource) {
      if (type.custom) delete body.status;
      else body.status = type.kind === 'Pod' ? { phase: 'Pending' } : {};
      if (type.kind === 'Namespace') body.status = { phase: 'Active' };
    }
    for (const a of this.admissions) a('CREATE', type, body, undefined);
    if (opts.dryRun) {
      body.metadata.resourceVersion = String(this.store.currentRv());
      return { obj: body, json: JSON.stringify(body) };
    }
    return this.store.put(key, body, 'ADDED');
  }

  /** PUT, on the main resource or a subresource (status, scale). */
  replace(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    input: any,
    opts: WriteOptions = {},
  ): StoredObject {
    if (opts.subresource === 'scale') {
      return this.writeScale(type, namespace, name, () => input, opts);
    }
    const body = JSON.parse(JSON.stringify(input ?? null));
    this.checkBodyIdentity(type, namespace, body);
    if (body.metadata.name && body.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    body.metadata.name = name;
    if (!body.metadata.resourceVersion && type.custom) {
      throw invalid(type.kind, type.group, name, [
        {
          type: 'FieldValueInvalid',
          field: 'metadata.resourceVersion',
          message: 'Invalid value: 0x0: must be specified for an update',
        },
      ]);
    }
    return this.update(type, namespace, name, () => body, opts);
  }

  patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    contentType: string,
    rawBody: string | object,
    opts: WriteOptions = {},
  ): StoredObject {
    const ct = contentType.split(';')[0].trim().toLowerCase();
    const accepted = type.custom
      ? [JSON_PATCH, MERGE_PATCH, APPLY_PATCH]
      : [JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH];
    if (!accepted.includes(ct)) throw unsupportedMediaType(accepted);
    if (ct === APPLY_PATCH && !opts.fieldManager) {
      throw invalid('PatchOptions', 'meta.k8s.io', '', [
        {
          type: 'FieldValueRequired',
          field: 'fieldManager',
          message: 'Required value: is required for apply patch',
        },
      ]);
    }
    if (ct !== APPLY_PATCH && opts.force !== undefined) {
      throw invalid('PatchOptions', 'meta.k8s.io', '', [
        {
          type: 'FieldValueForbidden',
          field: 'force',
          message: 'Forbidden: may not be specified for non-apply patch',
        },
      ]);
    }
    let patchBody: any = rawBody;
    if (typeof rawBody === 'string') {
      try {
        patchBody =
          ct === APPLY_PATCH ? parseYaml(rawBody) : JSON.parse(rawBody);
      } catch (e) {
        throw badRequest(`error decoding patch: ${(e as Error).message}`);
      }
    }
    const applyTo = (current: any) => {
      switch (ct) {
        case JSON_PATCH:
          return applyJsonPatch(current, patchBody);
        case MERGE_PATCH:
          return applyMergePatch(current, patchBody);
        case STRATEGIC_MERGE_PATCH:
          return applyStrategicMergePatch(current, patchBody);
        default:
          return type.custom
            ? applyMergePatch(current, patchBody)
            : applyStrategicMergePatch(current, patchBody);
      }
    };
    if (opts.subresource === 'scale') {
      return this.writeScale(type, namespace, name, applyTo, opts);
    }
    if (ct === APPLY_PATCH) {
      const exists = this.store.peek(
        typeKey(type),
        type.namespaced ? namespace : undefined,
        name,
      );
      if (!exists && !opts.subresource) {
        const body = { ...(patchBody ?? {}) };
        body.metadata = { ...(body.metadata ?? {}), name };
        return this.create(type, namespace, body, opts);
      }
    }
    return this.update(
      type,
      namespace,
      name,
      current => {
        const next = applyTo(current);
        if (!next || typeof next !== 'object' || Array.isArray(next)) {
          throw badRequest('the patched object is not a JSON object');
        }
        return next;
      },
      opts,
    );
  }

  /**
   * Applies `change` to the current object and stores the result under the rules of the
   * generic store: resourceVersion precondition, status subresource separation, generation.
   */
  update(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    change: (current: KubeObject) => KubeObject,
    opts: WriteOptions = {},
  ): StoredObject {
    if (type.virtual)
      throw new ApiError(
        405,
        'MethodNotAllowed',
        'the server does not allow this method on the requested resource',
        {},
      );
    const key = typeKey(type);
    const ns = type.namespaced ? namespace : undefined;
    const current = this.store.peek(key, ns, name);
    if (!current) throw notFound(type.plural, type.group, name);
    const old = current.obj;
    const candidate: KubeObject = change(JSON.parse(current.json));
    candidate.metadata ??= { name };
    const rv = candidate.metadata.resourceVersion;
    if (rv && rv !== old.metadata.resourceVersion) {
      throw conflict(type.plural, type.group, name);
    }
    if (
      candidate.metadata.name !== undefined &&
      candidate.metadata.name !== name
    ) {
      throw badRequest(
        `the name of the object (${candidate.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    let next: KubeObject;
    if (opts.subresource === 'status') {
      if (!type.statusSubresource)
        throw notFound(type.plural, type.group, name);
      // Only the status changes through /status (status_strategy.go).
      next = JSON.parse(current.json);
      if (candidate.status === undefined) delete next.status;
      else next.status = candidate.status;
      // deploymentStatusStrategy keeps spec and labels only: the controller writes the
      // revision annotation this way without bumping the generation.
      if (type.kind === 'Deployment' && candidate.metadata.annotations) {
        next.metadata.annotations = candidate.metadata.annotations;
      }
    } else {
      next = candidate;
      if (type.statusSubresource) {
        if (old.status === undefined) delete next.status;
        else next.status = JSON.parse(JSON.stringify(old.status));
      }
      const md = next.metadata;
      md.name = name;
      md.uid = old.metadata.uid;
      md.creationTimestamp = old.metadata.creationTimestamp;
      if (type.namespaced) md.namespace = old.metadata.namespace;
      else delete md.namespace;
      if (old.metadata.deletionTimestamp) {
        md.deletionTimestamp = old.metadata.deletionTimestamp;
        if (old.metadata.deletionGracePeriodSeconds !== undefined) {
          md.deletionGracePeriodSeconds =
            old.metadata.deletionGracePeriodSeconds;
        }
      } else {
        delete md.deletionTimestamp;
        delete md.deletionGracePeriodSeconds;
      }
      next.apiVersion = apiVersionOf(type);
      next.kind = type.kind;
      if (type.generation) {
        md.generation = old.metadata.generation ?? 1;
        if (this.specChanged(type, old, next)) md.generation += 1;
      } else {
        delete md.generation;
      }
      for (const a of this.admissions) a('UPDATE', type, next, old);
    }
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    const nextJson = JSON.stringify(next);
    if (nextJson === current.json) return current; // no-op writes keep the resourceVersion
    if (opts.dryRun) return { obj: next, json: nextJson };
    const stored = this.store.put(key, next, 'MODIFIED');
    if (
      next.metadata.deletionTimestamp &&
      !(next.metadata.finalizers ?? []).length &&
      type.kind !== 'Pod'
    ) {
      this.store.remove(key, ns, name);
    }
    return stored;
  }

  private specChanged(type: ResourceType, old: KubeObject, next: KubeObject) {
    const strip = (o: KubeObject) => {
      const { metadata, status, ...rest } = o;
      return JSON.stringify(rest);
    };
    if (type.custom) return strip(old) !== strip(next);
    if (JSON.stringify(old.spec) !== JSON.stringify(next.spec)) return true;
    // Deployment strategy: annotation updates bump the generation too.
    return (
      type.kind === 'Deployment' &&
      JSON.stringify(old.metadata.annotations ?? {}) !==
        JSON.stringify(next.metadata.annotations ?? {})
    );
  }

  /** The autoscaling/v1 Scale view of a Deployment, ReplicaSet or Rollout. */
  scaleOf(type: ResourceType, obj: KubeObject) {
    const selector =
      type.kind === 'Rollout'
        ? obj.status?.selector ?? ''
        : selectorString(obj.spec?.selector);
    const statusReplicas =
      type.kind === 'Rollout'
        ? obj.status?.HPAReplicas ?? 0
        : obj.status?.replicas ?? 0;
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
        creationTimestamp: obj.metadata.creationTimestamp,
      },
      spec: { replicas: obj.spec?.replicas ?? 0 },
      status: { replicas: statusReplicas, ...(selector ? { selector } : {}) },
    };
  }

  private writeScale(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    change: (scale: any) => any,
    opts: WriteOptions,
  ): StoredObject {
    if (!type.subresources.includes('scale'))
      throw notFound(type.plural, type.group, name);
    return this.update(
      type,
      namespace,
      name,
      current => {
        const scale = change(this.scaleOf(type, current));
        const rv = scale?.metadata?.resourceVersion;
        const replicas = scale?.spec?.replicas;
        if (
          typeof replicas !== 'number' ||
          replicas < 0 ||
          !Number.isInteger(replicas)
        ) {
          throw invalid('Scale', 'autoscaling', name, [
            {
              type: 'FieldValueInvalid',
              field: 'spec.replicas',
              message: `Invalid value: ${JSON.stringify(
                replicas,
              )}: must be greater than or equal to 0`,
            },
          ]);
        }
        current.spec = { ...(current.spec ?? {}), replicas };
        if (rv) current.metadata.resourceVersion = rv;
        return current;
      },
      { ...opts, subresource: undefined },
    );
  }

  delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    opts: DeleteOptions = {},
  ): { code: number; body: any } {
    if (type.virtual)
      throw new ApiError(
        405,
        'MethodNotAllowed',
        'the server does not allow this method on the requested resource',
        {},
      );
    const key = typeKey(type);
    const ns = type.namespaced ? namespace : undefined;
    const current = this.store.peek(key, ns, name);
    if (!current) throw notFound(type.plural, type.group, name);
    const md = current.obj.metadata;
    const pre = opts.preconditions ?? {};
    if (pre.uid && pre.uid !== md.uid) {
      throw conflict(
        type.plural,
        type.group,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${md.uid}`,
      );
    }
    if (pre.resourceVersion && pre.resourceVersion !== md.resourceVersion) {
      throw conflict(
        type.plural,
        type.group,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${md.resourceVersion}`,
      );
    }
    const success = (obj: KubeObject) =>
      RETURNS_DELETED_OBJECT.has(type.plural) && !type.group
        ? obj
        : {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Success',
            details: {
              name,
              ...(type.group ? { group: type.group } : {}),
              kind: type.plural,
              uid: md.uid,
            },
          };
    if (opts.dryRun) return { code: 200, body: success(current.obj) };

    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const finalizers = [...(md.finalizers ?? [])];
    if (
      opts.propagationPolicy === 'Foreground' &&
      !finalizers.includes('foregroundDeletion')
    ) {
      finalizers.push('foregroundDeletion');
    }
    if (opts.propagationPolicy === 'Orphan' && !finalizers.includes('orphan')) {
      finalizers.push('orphan');
    }
    const grace =
      type.kind === 'Pod'
        ? opts.gracePeriodSeconds ??
          current.obj.spec?.terminationGracePeriodSeconds ??
          30
        : 0;
    if (type.kind === 'Namespace' || finalizers.length || grace > 0) {
      if (
        md.deletionTimestamp &&
        finalizers.length === (md.finalizers ?? []).length
      ) {
        return { code: 202, body: success(current.obj) };
      }
      const next: KubeObject = JSON.parse(current.json);
      next.metadata.deletionTimestamp = now;
      if (type.kind === 'Pod') next.metadata.deletionGracePeriodSeconds = grace;
      if (finalizers.length) next.metadata.finalizers = finalizers;
      if (type.kind === 'Namespace')
        next.status = { ...(next.status ?? {}), phase: 'Terminating' };
      const stored = this.store.put(key, next, 'MODIFIED');
      return { code: 202, body: success(stored.obj) };
    }
    const removed = this.store.remove(key, ns, name);
    return { code: 200, body: success(removed!.obj) };
  }

  /** Finishes the deletion of a terminating pod (what the kubelet does). */
  finalizePod(namespace: string, name: string) {
    const s = this.store.peek('pods', namespace, name);
    if (!s || (s.obj.metadata.finalizers ?? []).length) return;
    this.store.remove('pods', namespace, name);
  }
}

/** A workload's `spec.selector` in kubectl's string form (Scale's `status.selector`). */
export function selectorString(sel: LabelSelectorObject | undefined): string {
  return formatLabelSelector(labelSelectorOf(sel));
}

export function nowIso(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}
