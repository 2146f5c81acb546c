import { HttpAuthService } from '@backstage/backend-plugin-api';
import { InputError, NotFoundError } from '@backstage/errors';
import { HealthResponse } from '@bluegreen-backstage/plugin-blue-green-common';
import express, { Request } from 'express';
import Router from 'express-promise-router';
import { FleetScaleDown } from './fleet/FleetScaleDown';
import { FleetService } from './fleet/FleetService';
import { sendJsonInPieces } from './jsonInPieces';
import { MonitoringService } from './monitoring/MonitoringService';
import { StatusService } from './observation/StatusService';
import { ChecklistService } from './operations/ChecklistService';
import { DeployService } from './operations/DeployService';
import { EntityOperations } from './operations/EntityOperations';
import { SwitchService } from './operations/SwitchService';
import {
  cancelShiftBody,
  checklistQuery,
  deployBody,
  entityParams,
  fleetQuery,
  fleetScaleDownBody,
  historyQuery,
  itemParams,
  metricsQuery,
  mirrorBody,
  parse,
  previewRouteBody,
  scaleBody,
  signOffBody,
  switchBody,
} from './requests';

/** What the routes call: each route is one call into one of these. */
export type RouterServices = {
  status: Pick<StatusService, 'status' | 'diagnostics' | 'history'>;
  switches: Pick<SwitchService, 'switch' | 'cancelShift'>;
  deploys: Pick<DeployService, 'deploy'>;
  operations: Pick<EntityOperations, 'scale' | 'setPreviewRoute' | 'setMirror'>;
  checklists: Pick<ChecklistService, 'checklist' | 'signOff'>;
  monitoring: Pick<MonitoringService, 'charts' | 'monitoring'>;
  fleet: Pick<FleetService, 'getFleetAnswer' | 'rowJson'>;
  fleetScaleDown: Pick<FleetScaleDown, 'scaleDown'>;
};

/** `:namespace/:kind/:name` of the URL, as the catalog's compound ref (kind is case-insensitive). */
const entityRefOf = (req: Request) =>
  parse(entityParams, req.params, 'entity path');

/** The plugin's HTTP API: validate, authenticate, one service call, answer. */
export async function createRouter(
  options: { httpAuth: HttpAuthService } & RouterServices,
): Promise<express.Router> {
  const {
    httpAuth,
    status,
    switches,
    deploys,
    operations,
    checklists,
    monitoring,
  } = options;
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

  router.post(
    '/entities/:namespace/:kind/:name/shift/cancel',
    async (req, res) => {
      const ref = entityRefOf(req);
      const body = parse(cancelShiftBody, req.body, 'body');
      res.json(await switches.cancelShift(ref, body, await caller(req)));
    },
  );

  router.post('/entities/:namespace/:kind/:name/deploy', async (req, res) => {
    const ref = entityRefOf(req);
    const body = parse(deployBody, req.body, 'body');
    res.json(await deploys.deploy(ref, body, await caller(req)));
  });

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
    const fleet = await options.fleet.getFleetAnswer(await caller(req), {
      refresh: query.refresh === 'true',
    });
    await sendJsonInPieces(res, fleet, 'rows', row =>
      options.fleet.rowJson(row),
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
