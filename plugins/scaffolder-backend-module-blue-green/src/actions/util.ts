import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { CompoundEntityRef, parseEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import { textProblem } from '@bluegreen-backstage/plugin-blue-green-common';
import { setTimeout as delay } from 'node:timers/promises';
import type { z as zod } from 'zod/v3';

/**
 * Validates an action's input and fills in its defaults. The scaffolder only checks inputs
 * against the JSON schema derived from the zod schema, which applies no defaults.
 */
export function parseInput<T extends zod.ZodTypeAny>(
  schema: T,
  input: unknown,
): zod.output<T> {
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new InputError(
      `invalid input: ${parsed.error.issues
        .map(i => `${i.path.join('.') || 'input'}: ${i.message}`)
        .join('; ')}`,
    );
  }
  return parsed.data;
}

/**
 * Text a person types, with the bounds it has on every Blue/Green input path (length, no control
 * or bidirectional-override characters).
 */
export const boundedText = (z: typeof zod, max: number) =>
  z.string().superRefine((value, ctx) => {
    const problem = textProblem(value, max);
    if (problem)
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
  });

/** A path inside the task's workspace; one that climbs out of it is the input's fault (400). */
export function workspacePath(
  workspace: string,
  path: string,
  input: string,
): string {
  try {
    return resolveSafeChildPath(workspace, path);
  } catch {
    throw new InputError(
      `${input} "${path}" is outside the task's workspace; give a path inside it`,
    );
  }
}

const REF_PART = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

/** `component:default/my-app`, or `my-app` (kind Component, namespace default). */
export function parseTargetRef(ref: string): CompoundEntityRef {
  let parsed: CompoundEntityRef | undefined;
  try {
    parsed = parseEntityRef(ref, {
      defaultKind: 'component',
      defaultNamespace: 'default',
    });
  } catch {
    // reported below
  }
  if (
    !parsed ||
    ![parsed.kind, parsed.namespace, parsed.name].every(p => REF_PART.test(p))
  ) {
    throw new InputError(
      `entityRef "${ref}" is not an entity ref like component:default/my-app`,
    );
  }
  return parsed;
}

/** Waits `ms`, or rejects as soon as the task is cancelled. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (e) {
    if (signal?.aborted) throw new Error('the task was cancelled');
    throw e;
  }
}
