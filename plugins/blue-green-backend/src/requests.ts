import { InputError } from '@backstage/errors';
import {
  TEXT_LIMITS,
  textProblem,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { z } from 'zod/v3';

/**
 * What callers may send, with the same bounds on every path: the HTTP routes and the actions
 * registry (MCP) parse their input with these schemas, so a reason is as long, and as free of
 * control characters, whichever way it comes in.
 */

/** Text of at most `max` characters, without control or bidirectional-override characters. */
export const text = (max: number) =>
  z.string().superRefine((value, ctx) => {
    const problem = textProblem(value, max);
    if (problem)
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
  });

const name = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a catalog entity name part');

export const entityParams = z.object({ namespace: name, kind: name, name });

/** An entity ref as text (`component:default/my-app`); parsed by the entity resolver. */
export const entityRefText = text(TEXT_LIMITS.entityRef).pipe(
  z.string().min(1, 'must not be empty'),
);

const color = z.enum(['blue', 'green']);

const reason = text(TEXT_LIMITS.reason);

/** A revision token is what `EntityStatus.revision` holds: letters, digits, `-`, `_` and `.`. */
const revision = z
  .string()
  .max(TEXT_LIMITS.revision)
  .regex(/^[A-Za-z0-9._-]*$/, 'must be the revision of a status');

export const switchBody = z
  .object({
    revision: revision.optional(),
    reason: reason.optional(),
    force: z.boolean().optional(),
    steps: z
      .array(z.number().int().min(1).max(100))
      .min(1)
      .max(10)
      .refine(
        steps =>
          steps[steps.length - 1] === 100 &&
          steps.every((s, i) => i === 0 || s > steps[i - 1]),
        'must rise and end with 100, e.g. [10, 50, 100]',
      )
      .optional(),
    stepIntervalSeconds: z.number().min(0).max(3600).optional(),
    full: z.boolean().optional(),
  })
  .strict();

/** The input of the promote and rollback actions (MCP): an entity ref and a switch body. */
export const switchActionInput = z
  .object({
    entityRef: entityRefText,
    revision: revision.optional(),
    reason: reason.optional(),
  })
  .strict();

export const entityActionInput = z
  .object({ entityRef: entityRefText })
  .strict();

/**
 * An image reference as a container runtime reads it: `[registry[:port]/]path[:tag][@digest]`,
 * lower-case path components.
 */
const IMAGE_REFERENCE =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

export const deployBody = z
  .object({
    image: z
      .string()
      .min(1)
      .max(500)
      .regex(
        IMAGE_REFERENCE,
        'must be an image reference such as registry.example.com/my-app:1.2.0',
      ),
    container: z
      .string()
      .max(63)
      .regex(
        /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
        'must be a container name (lower-case letters, digits and -)',
      )
      .optional(),
    version: z
      .string()
      .max(63)
      .regex(
        /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/,
        'must be a Kubernetes label value, e.g. v1.2.0',
      )
      .optional(),
    reason: reason.optional(),
    revision: revision.optional(),
    force: z.boolean().optional(),
  })
  .strict();

export const cancelShiftBody = z.object({ reason: reason.optional() }).strict();

export const scaleBody = z
  .object({
    color,
    replicas: z.number().int().min(0).max(1000),
    reason: reason.optional(),
    confirm: z.boolean().optional(),
  })
  .strict();

export const previewRouteBody = z
  .object({ enabled: z.boolean(), reason: reason.optional() })
  .strict();

export const mirrorBody = z
  .object({
    enabled: z.boolean(),
    percent: z.number().min(0).max(100).default(100),
    reason: reason.optional(),
  })
  .strict();

export const checklistQuery = z.object({
  phase: z.enum(['pre', 'post']).default('pre'),
});

export const signOffBody = z
  .object({ note: text(TEXT_LIMITS.note).optional() })
  .strict();

export const itemParams = z.object({
  itemId: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a checklist item id'),
});

/** Prometheus-style durations for the charts: `30m`, `15s`, `1h`. */
const seconds = z
  .string()
  .regex(/^[1-9][0-9]{0,5}[smhd]$/, 'must be a duration such as 15s, 30m or 1h')
  .transform(
    value =>
      Number(value.slice(0, -1)) *
      { s: 1, m: 60, h: 3600, d: 86400 }[
        value.slice(-1) as 's' | 'm' | 'h' | 'd'
      ],
  );

/** The charts' bounds: a week at most, and no more points per series than a chart can show. */
export const METRICS_LIMITS = { rangeSeconds: 7 * 86400, points: 1000 };

export const metricsQuery = z
  .object({
    range: seconds.default('30m'),
    step: seconds.default('15s'),
  })
  .refine(q => q.range <= METRICS_LIMITS.rangeSeconds, 'range: at most 7d')
  .refine(
    q => q.range / q.step <= METRICS_LIMITS.points,
    q => ({
      message: `step: too small for the range (${Math.ceil(
        q.range / q.step,
      ).toLocaleString(
        'en-US',
      )} points; at most ${METRICS_LIMITS.points.toLocaleString(
        'en-US',
      )} per series, e.g. step ${Math.ceil(
        q.range / METRICS_LIMITS.points,
      )}s or more)`,
    }),
  );

export const historyQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(20),
  before: z.string().max(200).optional(),
});

export const fleetQuery = z.object({
  refresh: z.enum(['true', 'false']).optional(),
});

export const fleetScaleDownBody = z
  .object({
    entityRefs: z.array(entityRefText).min(1).max(200),
    replicas: z.number().int().min(0).max(1000).optional(),
    reason: reason.optional(),
    dryRun: z.boolean().optional(),
  })
  .strict();

/** Parses `value` with `schema`; anything else is a 400 naming each field and what is wrong. */
export function parse<T extends z.ZodTypeAny>(
  schema: T,
  value: unknown,
  what: string,
): z.infer<T> {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map(i => `${i.path.join('.') || what}: ${i.message}`)
      .join('; ');
    throw new InputError(`invalid ${what}: ${issues}`);
  }
  return parsed.data;
}
