import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import {
  BLUE_GREEN_ANNOTATIONS,
  BLUE_GREEN_OBJECT_ANNOTATIONS,
  KUBERNETES_ANNOTATIONS,
  resolveBlueGreenTarget,
} from '@bluegreen-backstage/plugin-blue-green-common';
import type { KubeObject } from '@bluegreen-backstage/plugin-blue-green-node';
import { Document } from 'yaml';
import type { BlueGreenServiceSpec, ServiceNames } from './spec';
import { MANIFEST_STRATEGIES } from './strategies';

/**
 * A rendered blue/green service: its Kubernetes objects and its catalog entity.
 *
 * @public
 */
export type RenderedService = {
  objects: KubeObject[];
  entity: Entity;
  entityRef: string;
  names: ServiceNames;
};

/**
 * The catalog entity of the service, carrying the Kubernetes plugin's annotations (which
 * workloads belong to it) and the Blue/Green annotations (how colors are switched).
 */
function catalogEntity(
  spec: BlueGreenServiceSpec,
  annotations: Record<string, string>,
): Entity {
  const owner = parseEntityRef(spec.owner, {
    defaultKind: 'group',
    defaultNamespace: 'default',
  });
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: spec.name,
      ...(spec.description && { description: spec.description }),
      annotations: {
        [KUBERNETES_ANNOTATIONS.id]: spec.name,
        [KUBERNETES_ANNOTATIONS.namespace]: spec.namespace,
        [KUBERNETES_ANNOTATIONS.labelSelector]: `app=${spec.name}`,
        ...(spec.cluster && { [KUBERNETES_ANNOTATIONS.cluster]: spec.cluster }),
        [BLUE_GREEN_ANNOTATIONS.strategy]: spec.strategy,
        [BLUE_GREEN_ANNOTATIONS.healthPath]: spec.healthPath,
        ...annotations,
      },
      tags: ['blue-green', spec.strategy],
    },
    spec: {
      type: 'service',
      lifecycle: spec.lifecycle,
      owner: stringifyEntityRef(owner),
      ...(spec.system && { system: spec.system }),
    },
  };
}

/**
 * Renders a blue/green service for its strategy. The entity is read back the way the Blue/Green
 * backend reads it, and every object it would look for must be among the manifests: a template
 * can never produce a service whose tab shows "does not exist".
 *
 * @public
 */
export function renderService(spec: BlueGreenServiceSpec): RenderedService {
  const strategy = MANIFEST_STRATEGIES[spec.strategy];
  const names = strategy.names(spec);
  const entity = catalogEntity(spec, strategy.annotations(spec));
  const entityRef = stringifyEntityRef(entity);
  // Every object names the entity it belongs to: the Blue/Green backend switches it for that
  // entity only, whatever another catalog-info.yaml points at.
  const objects = strategy.objects(spec).map(object => ({
    ...object,
    metadata: {
      ...object.metadata,
      annotations: {
        ...object.metadata.annotations,
        [BLUE_GREEN_OBJECT_ANNOTATIONS.entity]: entityRef,
      },
    },
  }));

  const target = resolveBlueGreenTarget(entity);
  if (!target.ok) {
    // The input made an entity the backend would not read (a health path, a cluster name).
    throw new InputError(
      `the service cannot be rendered: ${target.problems.join('; ')}`,
    );
  }
  const has = (kind: string, name: string | undefined) =>
    name === undefined ||
    objects.some(o => o.kind === kind && o.metadata.name === name);
  const t = target.target;
  const missing = [
    ['Service', t.service],
    ['Service', t.previewService],
    ['Deployment', t.deployments?.blue],
    ['Deployment', t.deployments?.green],
    ['Rollout', t.rollout],
    ['VirtualService', t.virtualService],
    ['DestinationRule', t.destinationRule],
  ].filter(([kind, name]) => !has(kind!, name));
  if (missing.length > 0) {
    throw new Error(
      `rendered manifests lack ${missing
        .map(([kind, name]) => `${kind} ${name}`)
        .join(', ')} named by the entity's annotations`,
    );
  }

  return { objects, entity, entityRef, names };
}

/** Multi-document YAML with a comment on top. */
export function toYaml(docs: object[], comment?: string): string {
  return docs
    .map((doc, i) => {
      const document = new Document(doc);
      if (i === 0 && comment) document.commentBefore = ` ${comment}`;
      return document.toString({ lineWidth: 0 });
    })
    .join('---\n');
}

/** `deployment-my-app-blue.yaml`: one file per object, named after its kind and name. */
export function manifestFileName(object: KubeObject): string {
  return `${object.kind!.toLowerCase()}-${object.metadata.name}.yaml`;
}
