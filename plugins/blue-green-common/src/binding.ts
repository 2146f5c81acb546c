import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { BLUE_GREEN_OBJECT_ANNOTATIONS } from './annotations';

/**
 * A cluster object as far as its binding goes: what it is, and its annotations.
 *
 * @public
 */
export type BoundObject = {
  kind: string;
  namespace?: string;
  name: string;
  annotations?: Record<string, string>;
};

const REF_PART = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

/**
 * An entity ref as the catalog compares them: kind and namespace filled in (`component`,
 * `default`), lower case. Undefined when it is not an entity ref.
 *
 * @public
 */
export function normalizeEntityRef(
  ref: string,
  defaults: { defaultKind?: string } = {},
): string | undefined {
  let parsed;
  try {
    parsed = parseEntityRef(ref.trim(), {
      defaultKind: defaults.defaultKind ?? 'component',
      defaultNamespace: 'default',
    });
  } catch {
    return undefined;
  }
  // parseEntityRef splits at the first ':' and '/' only; the catalog's names are stricter.
  const { kind, namespace, name } = parsed;
  if (![kind, namespace, name].every(part => REF_PART.test(part))) {
    return undefined;
  }
  return stringifyEntityRef(parsed).toLocaleLowerCase('en-US');
}

const describe = (o: BoundObject) =>
  `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;

/**
 * Why the plugins may not change `object` for the entity `entityRef`, or undefined when they may:
 * the object must name that entity in its `blue-green.backstage.io/entity` annotation.
 *
 * @public
 */
export function bindingProblem(
  object: BoundObject,
  entityRef: string,
): string | undefined {
  const annotation = BLUE_GREEN_OBJECT_ANNOTATIONS.entity;
  const declared = object.annotations?.[annotation];
  const wanted = normalizeEntityRef(entityRef);
  if (declared === undefined || declared.trim() === '') {
    return `${describe(
      object,
    )} is not bound to any entity: annotate it ${annotation}=${wanted} if it belongs to ${wanted}`;
  }
  const owner = normalizeEntityRef(declared);
  if (owner !== wanted) {
    return `${describe(object)} belongs to ${
      owner ?? JSON.stringify(declared.slice(0, 200))
    }, not to ${wanted} (annotation ${annotation})`;
  }
  return undefined;
}
