import {
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { ConflictError, InputError } from '@backstage/errors';
import {
  BLUE_GREEN_OBJECT_ANNOTATIONS,
  bindingProblem,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  KUBE_RESOURCES,
  KubeClient,
  KubeObject,
  KubeResource,
  KubernetesGateway,
  resourceOf,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { TaskOwnership } from './TaskOwnership';

/** Set on every object this module creates: which scaffolder task created it. */
export const SCAFFOLDER_TASK_ANNOTATION =
  'blue-green.backstage.io/scaffolder-task';

/** Field manager of the writes, as `kubectl` uses `kubectl-client-side-apply`. */
const FIELD_MANAGER = 'backstage-scaffolder';

/** Kinds that others refer to go first (kubectl users order their files the same way). */
const KIND_ORDER = [
  'Namespace',
  'AnalysisTemplate',
  'Service',
  'Deployment',
  'Rollout',
  'DestinationRule',
  'VirtualService',
];

/** What happened to one object. */
export type ApplyResult = {
  kind: string;
  namespace?: string;
  name: string;
  /**
   * created / replaced; unchanged: it existed (`ifExists: skip`, or created earlier by the same
   * task); validated: a dry run the API server accepted; skipped: a dry run in a namespace that
   * does not exist yet.
   */
  result: 'created' | 'replaced' | 'unchanged' | 'validated' | 'skipped';
};

export type ApplyOptions = {
  cluster?: string;
  /** Namespace of objects that name none. */
  defaultNamespace: string;
  createNamespaces: boolean;
  /** fail (default): an existing object is an error; skip: leave it; replace: overwrite it. */
  ifExists: 'fail' | 'skip' | 'replace';
  /** Server-side dry run (`dryRun=All`): the API server validates, nothing is stored. */
  dryRun: boolean;
  taskId: string;
  logger: LoggerService;
  /** The user who runs the task: the namespaces their teams may use bound where objects go. */
  credentials: BackstageCredentials;
};

const ENTITY = BLUE_GREEN_OBJECT_ANNOTATIONS.entity;

/** The entity a manifest says its object belongs to. */
const entityOf = (object: KubeObject) =>
  object.metadata.annotations?.[ENTITY]?.trim() || undefined;

function label(o: { kind: string; namespace?: string; name: string }) {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}

type Planned = {
  resource: KubeResource;
  namespace?: string;
  object: KubeObject;
};

const identity = (p: Planned) => ({
  kind: p.object.kind!,
  namespace: p.namespace,
  name: p.object.metadata.name,
});

const createdBy = (object: KubeObject, taskId: string) =>
  object.metadata.annotations?.[SCAFFOLDER_TASK_ANNOTATION] === taskId;

function rank(kind: string): number {
  const index = KIND_ORDER.indexOf(kind);
  return index === -1 ? KIND_ORDER.length : index;
}

/**
 * Creates manifests in a cluster configured in `kubernetes.clusterLocatorMethods`, through the
 * same gateway the Blue/Green backend uses — a create-or-replace like `kubectl apply`, except that
 * an existing object is refused unless asked: a new service must not overwrite someone's live one.
 */
export class ManifestApplier {
  readonly #gateway: Pick<KubernetesGateway, 'client'>;
  readonly #ownership: TaskOwnership;

  static create(options: {
    gateway: Pick<KubernetesGateway, 'client'>;
    ownership: TaskOwnership;
  }) {
    return new ManifestApplier(options.gateway, options.ownership);
  }

  private constructor(
    gateway: Pick<KubernetesGateway, 'client'>,
    ownership: TaskOwnership,
  ) {
    this.#gateway = gateway;
    this.#ownership = ownership;
  }

  async apply(
    objects: KubeObject[],
    options: ApplyOptions,
  ): Promise<{ cluster: string; results: ApplyResult[] }> {
    const planned = objects
      .map(object => this.#plan(object, options.defaultNamespace))
      .sort((a, b) => rank(a.object.kind!) - rank(b.object.kind!));
    for (const p of planned) {
      if (p.namespace && !entityOf(p.object)) {
        throw new InputError(
          `${label(
            identity(p),
          )} names no entity: every object needs the annotation ${ENTITY} (blue-green:render sets it)`,
        );
      }
    }
    const kube = await this.#gateway.client(options.cluster);
    await this.#ownership.checkNamespaces(options.credentials, kube.cluster, [
      ...new Set(
        planned.map(p =>
          p.object.kind === 'Namespace' ? p.object.metadata.name : p.namespace!,
        ),
      ),
    ]);

    // Read everything first: a refused object must not leave the others half-applied.
    const existing = await Promise.all(
      planned.map(p =>
        kube.get(p.resource, p.namespace, p.object.metadata.name),
      ),
    );
    // Another entity's object is never replaced nor taken over, whatever ifExists says.
    const taken = planned.flatMap((p, i) => {
      const found = existing[i];
      if (!p.namespace || !found || createdBy(found, options.taskId)) return [];
      const problem = bindingProblem(
        {
          ...identity(p),
          annotations: found.metadata.annotations,
        },
        entityOf(p.object)!,
      );
      return problem ? [problem] : [];
    });
    if (taken.length > 0) {
      throw new ConflictError(
        `${taken.join('; ')}: choose another name for the service`,
      );
    }
    // The entities the objects name: a service already in the catalog is its owners' alone.
    const entities = new Map<string, string>();
    for (const p of planned) {
      const ref = p.namespace && entityOf(p.object);
      if (ref && !entities.has(ref)) entities.set(ref, label(identity(p)));
    }
    await this.#ownership.checkEntities(
      options.credentials,
      [...entities].map(([entityRef, object]) => ({
        label: object,
        entityRef,
      })),
    );
    await this.#checkTraffic(kube, planned);
    const conflicts = planned.filter(
      (_, i) =>
        existing[i] &&
        options.ifExists === 'fail' &&
        !createdBy(existing[i]!, options.taskId),
    );
    if (conflicts.length > 0) {
      throw new ConflictError(
        `${conflicts.map(p => label(identity(p))).join(', ')} already exist${
          conflicts.length === 1 ? 's' : ''
        } in cluster ${
          kube.cluster
        }; choose another name, or set ifExists to skip or replace`,
      );
    }

    const results: ApplyResult[] = [];
    const missingNamespaces = await this.#ensureNamespaces(
      kube,
      planned,
      options,
      results,
    );
    for (const [i, p] of planned.entries()) {
      const id = identity(p);
      if (p.namespace && missingNamespaces.has(p.namespace)) {
        options.logger.info(
          `dry run: ${label(id)} not validated, namespace ${
            p.namespace
          } does not exist yet`,
        );
        results.push({ ...id, result: 'skipped' });
        continue;
      }
      const result = await this.#applyOne(kube, p, existing[i], options);
      options.logger.info(`${label(id)} ${result} in cluster ${kube.cluster}`);
      results.push({ ...id, result });
    }
    return { cluster: kube.cluster, results };
  }

  /**
   * Refuses workloads whose pods an existing Service of another entity would select: they would
   * take that entity's traffic (a Deployment labelled `app: my-app` in my-app's namespace).
   */
  async #checkTraffic(kube: KubeClient, planned: Planned[]): Promise<void> {
    const workloads = planned.filter(
      p => p.namespace && p.object.spec?.template?.metadata?.labels,
    );
    const namespaces = [...new Set(workloads.map(p => p.namespace!))];
    const services = new Map(
      await Promise.all(
        namespaces.map(
          async ns =>
            [ns, (await kube.list(KUBE_RESOURCES.services, ns)).items] as const,
        ),
      ),
    );
    const ours = new Set(
      planned
        .filter(p => p.object.kind === 'Service')
        .map(p => `${p.namespace}/${p.object.metadata.name}`),
    );
    for (const p of workloads) {
      const labels = p.object.spec.template.metadata.labels;
      for (const service of services.get(p.namespace!) ?? []) {
        const selector = service.spec?.selector ?? {};
        if (
          ours.has(`${p.namespace}/${service.metadata.name}`) ||
          Object.keys(selector).length === 0 ||
          !Object.entries(selector).every(
            ([key, value]) => labels[key] === value,
          )
        ) {
          continue;
        }
        const problem = bindingProblem(
          {
            kind: 'Service',
            namespace: p.namespace,
            name: service.metadata.name,
            annotations: service.metadata.annotations,
          },
          entityOf(p.object)!,
        );
        if (problem) {
          throw new ConflictError(
            `the pods of ${label(
              identity(p),
            )} would take the traffic of another service: ${problem}; give the pods other labels`,
          );
        }
      }
    }
  }

  #plan(object: KubeObject, defaultNamespace: string): Planned {
    const resource = resourceOf(object.apiVersion!, object.kind!);
    if (!resource) {
      const known = Object.values(KUBE_RESOURCES)
        .map(r => r.kind)
        .join(', ');
      throw new InputError(
        `cannot apply ${object.kind} ${object.metadata.name} (${object.apiVersion}): the kinds this action applies are ${known}`,
      );
    }
    const namespaced = resource.plural !== 'namespaces';
    const namespace = namespaced
      ? object.metadata.namespace ?? defaultNamespace
      : undefined;
    return {
      resource,
      namespace,
      object: {
        ...object,
        metadata: { ...object.metadata, ...(namespace && { namespace }) },
      },
    };
  }

  /** Creates the namespaces the objects live in; in a dry run, returns those that are missing. */
  async #ensureNamespaces(
    kube: KubeClient,
    planned: Array<{ object: KubeObject; namespace?: string }>,
    options: ApplyOptions,
    results: ApplyResult[],
  ): Promise<Set<string>> {
    const declared = new Set(
      planned
        .filter(p => p.object.kind === 'Namespace')
        .map(p => p.object.metadata.name),
    );
    const needed = [
      ...new Set(planned.map(p => p.namespace).filter(Boolean) as string[]),
    ].filter(ns => !declared.has(ns));
    const missing = new Set<string>();
    const exists = async (namespace: string) =>
      Boolean(await kube.get(KUBE_RESOURCES.namespaces, undefined, namespace));
    if (options.dryRun) {
      // A dry-run create leaves nothing behind: objects in a new namespace cannot be validated.
      for (const namespace of declared) {
        if (!(await exists(namespace))) missing.add(namespace);
      }
    }
    for (const namespace of needed) {
      if (await exists(namespace)) continue;
      if (!options.createNamespaces) {
        throw new InputError(
          `namespace ${namespace} does not exist in cluster ${kube.cluster}; create it or set createNamespace: true`,
        );
      }
      await kube.create(
        KUBE_RESOURCES.namespaces,
        undefined,
        {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: {
            name: namespace,
            annotations: { [SCAFFOLDER_TASK_ANNOTATION]: options.taskId },
          },
        },
        { dryRun: options.dryRun, fieldManager: FIELD_MANAGER },
      );
      const result = options.dryRun ? 'validated' : 'created';
      options.logger.info(`Namespace ${namespace} ${result}`);
      results.push({ kind: 'Namespace', name: namespace, result });
      if (options.dryRun) missing.add(namespace);
    }
    return missing;
  }

  async #applyOne(
    kube: KubeClient,
    planned: Planned,
    existing: KubeObject | undefined,
    options: ApplyOptions,
  ): Promise<ApplyResult['result']> {
    const { resource, namespace, object } = planned;
    const name = object.metadata.name;
    const body: KubeObject = {
      ...object,
      metadata: {
        ...object.metadata,
        annotations: {
          ...object.metadata.annotations,
          [SCAFFOLDER_TASK_ANNOTATION]: options.taskId,
        },
      },
    };
    const write = { dryRun: options.dryRun, fieldManager: FIELD_MANAGER };
    if (!existing) {
      await kube.create(resource, namespace, body, write);
      return options.dryRun ? 'validated' : 'created';
    }
    // A retried task finds what it created itself on the first attempt.
    if (createdBy(existing, options.taskId) || options.ifExists === 'skip') {
      return 'unchanged';
    }
    // Replace keeps what the API server owns: the resourceVersion (the write is refused with 409
    // if the object changes meanwhile) and a Service's allocated cluster IPs.
    body.metadata.resourceVersion = existing.metadata.resourceVersion;
    if (object.kind === 'Service' && existing.spec?.clusterIP) {
      body.spec = {
        ...body.spec,
        clusterIP: body.spec?.clusterIP ?? existing.spec.clusterIP,
        clusterIPs: body.spec?.clusterIPs ?? existing.spec.clusterIPs,
      };
    }
    await kube.replace(resource, namespace, name, body, write);
    return options.dryRun ? 'validated' : 'replaced';
  }
}
