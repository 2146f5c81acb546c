import { ConflictError } from '@backstage/errors';
import {
  JsonPatchOperation,
  KubeObject,
  KubeResource,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { applyPatch } from 'fast-json-patch';
import { FakeKube } from './FakeKube';

/**
 * The in-memory cluster with the API server's patch semantics: a JSON patch whose `test` fails is
 * a conflict and changes nothing; every write moves the resourceVersion.
 */
export class PatchingKube extends FakeKube {
  patches: Array<{ plural: string; name: string; patch: unknown }> = [];

  async patch<T extends KubeObject>(
    resource: KubeResource,
    namespace: string | undefined,
    name: string,
    patch: JsonPatchOperation[] | object,
    options: { type: 'json' | 'merge' | 'strategic' },
  ): Promise<T> {
    this.calls.push({ verb: 'patch', plural: resource.plural });
    this.patches.push({ plural: resource.plural, name, patch });
    const list = this.objects[resource.plural] ?? [];
    const object = list.find(
      o => o.metadata.namespace === namespace && o.metadata.name === name,
    );
    if (!object) throw new Error(`${resource.plural}/${name} not found`);
    let updated: KubeObject;
    if (options.type === 'json') {
      try {
        updated = applyPatch(
          structuredClone(object),
          patch as any,
          true,
          false,
        ).newDocument;
      } catch (error) {
        throw new ConflictError(`${name}: ${(error as Error).message}`);
      }
    } else {
      updated = merge(structuredClone(object), patch);
    }
    updated.metadata.resourceVersion = String(
      Number(object.metadata.resourceVersion ?? 1) + 1,
    );
    this.objects[resource.plural] = list.map(o => (o === object ? updated : o));
    return structuredClone(updated) as T;
  }
}

function merge(target: any, patch: any): any {
  for (const [key, value] of Object.entries(patch ?? {})) {
    if (value === null) delete target[key];
    else if (typeof value === 'object' && !Array.isArray(value)) {
      target[key] = merge(target[key] ?? {}, value);
    } else target[key] = value;
  }
  return target;
}
