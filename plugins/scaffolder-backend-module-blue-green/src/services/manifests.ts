import { InputError } from '@backstage/errors';
import type { KubeObject } from '@bluegreen-backstage/plugin-blue-green-node';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * Reads Kubernetes objects from a YAML file, or from every `.yaml`/`.yml` file of a directory (in
 * name order, not recursive), as `kubectl apply -f` does. `displayRoot` names files in errors.
 */
export async function readManifests(path: string): Promise<KubeObject[]> {
  const found = await stat(path).catch(() => undefined);
  if (!found) {
    throw new InputError(
      `${basename(
        path,
      )} does not exist in the task's workspace: give the manifestsPath output of blue-green:render, or a .yaml file or directory the template wrote`,
    );
  }
  const files = found.isDirectory()
    ? (await readdir(path))
        .filter(f => /\.ya?ml$/.test(f))
        .sort()
        .map(f => join(path, f))
    : [path];
  if (files.length === 0) {
    throw new InputError(`${basename(path)} holds no .yaml or .yml file`);
  }
  const objects: KubeObject[] = [];
  for (const file of files) {
    const docs = parseAllDocuments(await readFile(file, 'utf8'));
    for (const doc of docs) {
      if (doc.errors.length > 0) {
        throw new InputError(
          `${basename(file)} is not valid YAML: ${doc.errors[0].message}`,
        );
      }
      const object = doc.toJS();
      if (object === null || object === undefined) continue; // empty document
      if (
        typeof object !== 'object' ||
        typeof object.apiVersion !== 'string' ||
        typeof object.kind !== 'string' ||
        typeof object.metadata?.name !== 'string'
      ) {
        throw new InputError(
          `${basename(
            file,
          )} holds a document that is not a Kubernetes object (apiVersion, kind and metadata.name are required)`,
        );
      }
      objects.push(object);
    }
  }
  return objects;
}
