import { HttpAuthService } from '@backstage/backend-plugin-api';
import { InputError, NotFoundError } from '@backstage/errors';
import { HealthResponse } from '@bluegreen-backstage/plugin-blue-green-common';
import express, { Request } from 'express';
import Router from 'express-promise-router';
import { z } from 'zod/v3';
import { FleetScaleDown } from './fleet/FleetScaleDown';
import { FleetService } from './fleet/FleetService';
import { MonitoringService } from './monitoring/MonitoringService';
import { StatusService } from './observation/StatusService';
import { ChecklistService } from './operations/ChecklistService';
import { EntityOperations } from './operations/EntityOperations';
import { SwitchService } from './operations/SwitchService';

/** What the routes call: each route is one call into one of these. */
export type RouterServices = {
  status: Pick<StatusService, 'status' | 'diagnostics' | 'history'>;
  switches: Pick<SwitchService, 'switch'>;
  operations: Pick<EntityOperations, 'scale' | 'setPreviewRoute' | 'setMirror'>;
  checklists: Pick<ChecklistService, 'checklist' | 'signOff'>;
  monitoring: Pick<MonitoringService, 'charts' | 'monitoring'>;
  fleet: Pick<FleetService, 'getFleet'>;
  fleetScaleDown: Pick<FleetScaleDown, 'scaleDown'>;
};

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

const previewRouteBody = z
  .object({ enabled: z.boolean(), reason: z.string().max(1000).optional() })
  .strict();

const mirrorBody = z
  .object({
    enabled: z.boolean(),
    percent: z.number().min(0).max(100).default(100),
    reason: z.string().max(1000).optional(),
  })
  .strict();

const checklistQuery = z.object({
  phase: z.enum(['pre', 'post']).default('pre'),
});

const signOffBody = z
  .object({ note: z.string().max(2000).optional() })
  .strict();

const itemParams = z.object({
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

const metricsQuery = z
  .object({
    range: seconds.default('30m'),
    step: seconds.default('15s'),
  })
  .refine(q => q.range <= 7 * 86400, 'range: at most 7d')
  .refine(
    q => q.range / q.step <= 11000,
    'step: too small for the range (at most 11,000 points)',
  );

const historyQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(20),
  before: z.string().max(200).optional(),
});

const fleetQuery = z.object({ refresh: z.enum(['true', 'false']).optional() });

const fleetScaleDownBody = z
  .object({
    entityRefs: z.array(z.string().min(1).max(500)).min(1).max(200),
    replicas: z.number().int().min(0).max(1000).optional(),
    reason: z.string().max(1000).optional(),
  })
  .strict();

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

/** The plugin's HTTP API: validate, authenticate, one service call, answer. */
export async function createRouter(
  options: { httpAuth: HttpAuthService } & RouterServices,
): Promise<express.Router> {
  const { httpAuth, status, switches, operations, checklists, monitoring } =
    options;
  const router = Router();
  router.use(express.json({ limit: '64kb' }));
  // express.json leaves a body of any other type unread, and the routes would take it for `{}`: a
  // promote sent as text/plain with `{"revision": …}` would switch without its compare-and-swap.
  router.use((req, _res, next) => {
    const hasBody =
      req.headers['transfer-encoding'] !== undefined ||
      Number(req.headers['content-length'] ?? 0) > 0;
    if (hasBody && !req.is('application/json')) {
      throw new InputError(
        `the request body must be JSON (Content-Type: application/json), not ${
          req.headers['content-type'] || 'untyped'
        }`,
      );
    }
    next();
  });

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
    res.json(await status.status(entityRefOf(req), await caller(req)));
  });

  for (const action of ['promote', 'rollback'] as const) {
    router.post(
      `/entities/:namespace/:kind/:name/${action}`,
      async (req, res) => {
        const ref = entityRefOf(req);
        const body = parse(switchBody, req.body, 'body');
        res.json(await switches.switch(ref, action, body, await caller(req)));
      },
    );
  }

  router.post('/entities/:namespace/:kind/:name/scale', async (req, res) => {
    const ref = entityRefOf(req);
    const body = parse(scaleBody, req.body, 'body');
    res.json(await operations.scale(ref, body, await caller(req)));
  });

  router.post(
    '/entities/:namespace/:kind/:name/preview-route',
    async (req, res) => {
      const ref = entityRefOf(req);
      const body = parse(previewRouteBody, req.body, 'body');
      res.json(
        await operations.setPreviewRoute(
          ref,
          body.enabled,
          await caller(req),
          body.reason,
        ),
      );
    },
  );

  router.post('/entities/:namespace/:kind/:name/mirror', async (req, res) => {
    const ref = entityRefOf(req);
    const body = parse(mirrorBody, req.body, 'body');
    res.json(await operations.setMirror(ref, body, await caller(req)));
  });

  router.get(
    '/entities/:namespace/:kind/:name/diagnostics',
    async (req, res) => {
      res.json(await status.diagnostics(entityRefOf(req), await caller(req)));
    },
  );

  router.get('/entities/:namespace/:kind/:name/checklist', async (req, res) => {
    const ref = entityRefOf(req);
    const { phase } = parse(checklistQuery, req.query, 'query');
    res.json(await checklists.checklist(ref, phase, await caller(req)));
  });

  router.post(
    '/entities/:namespace/:kind/:name/checklist/:itemId/sign-off',
    async (req, res) => {
      const ref = entityRefOf(req);
      const { itemId } = parse(
        itemParams,
        { itemId: req.params.itemId },
        'item',
      );
      const body = parse(signOffBody, req.body, 'body');
      res.json(await checklists.signOff(ref, itemId, body, await caller(req)));
    },
  );

  router.delete(
    '/entities/:namespace/:kind/:name/checklist/:itemId/sign-off',
    async (req, res) => {
      const ref = entityRefOf(req);
      const { itemId } = parse(
        itemParams,
        { itemId: req.params.itemId },
        'item',
      );
      res.json(
        await checklists.signOff(ref, itemId, undefined, await caller(req)),
      );
    },
  );

  router.get('/entities/:namespace/:kind/:name/metrics', async (req, res) => {
    const ref = entityRefOf(req);
    const query = parse(metricsQuery, req.query, 'query');
    res.json(
      await monitoring.charts(
        ref,
        { seconds: query.range, stepSeconds: query.step },
        await caller(req),
      ),
    );
  });

  for (const kind of ['prometheus-rules', 'grafana-dashboard'] as const) {
    router.get(
      `/entities/:namespace/:kind/:name/monitoring/${kind}`,
      async (req, res) => {
        res.json(
          await monitoring.monitoring(
            entityRefOf(req),
            kind,
            await caller(req),
          ),
        );
      },
    );
  }

  router.get('/entities/:namespace/:kind/:name/history', async (req, res) => {
    const ref = entityRefOf(req);
    const query = parse(historyQuery, req.query, 'query');
    res.json(await status.history(ref, query, await caller(req)));
  });

  router.get('/fleet', async (req, res) => {
    const query = parse(fleetQuery, req.query, 'query');
    res.json(
      await options.fleet.getFleet(await caller(req), {
        refresh: query.refresh === 'true',
      }),
    );
  });

  router.post('/fleet/scale-down', async (req, res) => {
    const body = parse(fleetScaleDownBody, req.body, 'body');
    res.json(await options.fleetScaleDown.scaleDown(body, await caller(req)));
  });

  // Anything else under /api/blue-green: a JSON 404 like every other error, not an empty one.
  router.use(req => {
    throw new NotFoundError(
      `no route ${req.method} ${req.path.slice(0, 200)} in the Blue/Green API`,
    );
  });

  return router;
}
