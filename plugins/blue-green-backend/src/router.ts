import { HttpAuthService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { HealthResponse } from '@bluegreen-backstage/plugin-blue-green-common';
import express, { Request } from 'express';
import Router from 'express-promise-router';
import { z } from 'zod/v3';
import { BlueGreenService } from './services/BlueGreenService';

const name = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a catalog entity name part');

const entityParams = z.object({ namespace: name, kind: name, name });

const color = z.enum(['blue', 'green']);

const switchBody = z
  .object({
    revision: z.string().max(100).optional(),
    reason: z.string().max(1000).optional(),
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

const scaleBody = z
  .object({
    color,
    replicas: z.number().int().min(0).max(1000),
    reason: z.string().max(1000).optional(),
  })
  .strict();

const previewRouteBody = z.object({ enabled: z.boolean() }).strict();

const mirrorBody = z
  .object({
    enabled: z.boolean(),
    percent: z.number().min(0).max(100).default(100),
  })
  .strict();

const historyQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(20),
  before: z.string().max(200).optional(),
});

function parse<T extends z.ZodTypeAny>(
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

/** `:namespace/:kind/:name` of the URL, as the catalog's compound ref (kind is case-insensitive). */
const entityRefOf = (req: Request) =>
  parse(entityParams, req.params, 'entity path');

export async function createRouter(options: {
  httpAuth: HttpAuthService;
  blueGreen: BlueGreenService;
}): Promise<express.Router> {
  const { httpAuth, blueGreen } = options;
  const router = Router();
  router.use(express.json({ limit: '64kb' }));

  const caller = async (req: Request) => ({
    credentials: await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    }),
    request: req,
  });

  router.get('/health', (_req, res) => {
    const body: HealthResponse = { status: 'ok' };
    res.json(body);
  });

  router.get('/entities/:namespace/:kind/:name', async (req, res) => {
    res.json(await blueGreen.getStatus(entityRefOf(req), await caller(req)));
  });

  for (const action of ['promote', 'rollback'] as const) {
    router.post(
      `/entities/:namespace/:kind/:name/${action}`,
      async (req, res) => {
        const ref = entityRefOf(req);
        const body = parse(switchBody, req.body, 'body');
        res.json(await blueGreen.switch(ref, action, body, await caller(req)));
      },
    );
  }

  router.post('/entities/:namespace/:kind/:name/scale', async (req, res) => {
    const ref = entityRefOf(req);
    const body = parse(scaleBody, req.body, 'body');
    res.json(await blueGreen.scale(ref, body, await caller(req)));
  });

  router.post(
    '/entities/:namespace/:kind/:name/preview-route',
    async (req, res) => {
      const ref = entityRefOf(req);
      const body = parse(previewRouteBody, req.body, 'body');
      res.json(
        await blueGreen.setPreviewRoute(ref, body.enabled, await caller(req)),
      );
    },
  );

  router.post('/entities/:namespace/:kind/:name/mirror', async (req, res) => {
    const ref = entityRefOf(req);
    const body = parse(mirrorBody, req.body, 'body');
    res.json(await blueGreen.setMirror(ref, body, await caller(req)));
  });

  router.get(
    '/entities/:namespace/:kind/:name/diagnostics',
    async (req, res) => {
      res.json(
        await blueGreen.diagnostics(entityRefOf(req), await caller(req)),
      );
    },
  );

  router.get('/entities/:namespace/:kind/:name/history', async (req, res) => {
    const ref = entityRefOf(req);
    const query = parse(historyQuery, req.query, 'query');
    res.json(await blueGreen.history(ref, query, await caller(req)));
  });

  return router;
}
