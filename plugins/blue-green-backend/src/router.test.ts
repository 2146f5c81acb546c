import {
  mockCredentials,
  mockErrorHandler,
  mockServices,
} from '@backstage/backend-test-utils';
import { ConflictError, NotAllowedError } from '@backstage/errors';
import express from 'express';
import request from 'supertest';
import { createRouter, RouterServices } from './router';

const STATUS = { entityRef: 'component:default/my-app', live: 'blue' };
const ENTITY = { kind: 'component', namespace: 'default', name: 'my-app' };

/** Every service a route can call, each a jest mock answering something recognisable. */
function stubs() {
  return {
    status: {
      status: jest.fn(async () => STATUS),
      diagnostics: jest.fn(async () => ({ templateDiff: [] })),
      history: jest.fn(async () => ({ items: [], total: 0 })),
    },
    switches: { switch: jest.fn(async () => ({ status: STATUS })) },
    operations: {
      scale: jest.fn(async () => STATUS),
      setPreviewRoute: jest.fn(async () => STATUS),
      setMirror: jest.fn(async () => STATUS),
    },
    checklists: {
      checklist: jest.fn(async () => ({ phase: 'pre' })),
      signOff: jest.fn(async () => ({ phase: 'pre' })),
    },
    monitoring: {
      charts: jest.fn(async () => ({ series: [] })),
      monitoring: jest.fn(async () => ({ kind: 'PrometheusRule' })),
    },
    fleet: {
      getFleetAnswer: jest.fn(async () => ({ rows: [] })),
      rowJson: (row: object) => JSON.stringify(row),
    },
    fleetScaleDown: { scaleDown: jest.fn(async () => ({ results: [] })) },
  };
}

describe('createRouter', () => {
  let services: ReturnType<typeof stubs>;
  let app: express.Express;
  const user = mockCredentials.user('user:default/alice');
  const as = (test: request.Test) =>
    test.set(
      'Authorization',
      mockCredentials.user.header('user:default/alice'),
    );

  beforeEach(async () => {
    services = stubs();
    const router = await createRouter({
      httpAuth: mockServices.httpAuth(),
      ...(services as unknown as RouterServices),
    });
    app = express().use(router).use(mockErrorHandler());
  });

  it('answers /health', async () => {
    const res = await request(app).get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('reads the status as the caller, with the catalog ref of the path', async () => {
    const res = await as(
      request(app).get('/entities/default/component/my-app'),
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual(STATUS);
    expect(services.status.status).toHaveBeenCalledWith(
      ENTITY,
      expect.objectContaining({ credentials: user }),
    );
  });

  it('passes a validated switch body on, and the service errors through as they are', async () => {
    const body = { revision: 'r1', reason: 'release', steps: [10, 100] };
    const ok = await as(
      request(app)
        .post('/entities/default/component/my-app/promote')
        .send(body),
    );
    expect(ok.status).toBe(200);
    expect(services.switches.switch).toHaveBeenCalledWith(
      ENTITY,
      'promote',
      body,
      expect.objectContaining({ credentials: user }),
    );

    services.switches.switch.mockRejectedValueOnce(
      new ConflictError('rollback refused: the live state changed'),
    );
    const refused = await as(
      request(app).post('/entities/default/component/my-app/rollback').send({}),
    );
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe(
      'rollback refused: the live state changed',
    );
  });

  it.each([
    [
      'a step list that does not end at 100',
      '/entities/default/component/my-app/promote',
      { steps: [10, 50] },
    ],
    [
      'an unknown field',
      '/entities/default/component/my-app/promote',
      { force: true, now: true },
    ],
    [
      'a color that is not one',
      '/entities/default/component/my-app/scale',
      { color: 'red', replicas: 1 },
    ],
    [
      'a mirror share above 100',
      '/entities/default/component/my-app/mirror',
      { enabled: true, percent: 150 },
    ],
    [
      'a path part that is not an entity name',
      '/entities/default/component/..%2Fetc/promote',
      {},
    ],
  ])('answers 400 for %s and calls nothing', async (_, path, body) => {
    const res = await as(request(app).post(path).send(body));
    expect(res.status).toBe(400);
    expect(res.body.error.name).toBe('InputError');
    expect(services.switches.switch).not.toHaveBeenCalled();
    expect(services.operations.scale).not.toHaveBeenCalled();
    expect(services.operations.setMirror).not.toHaveBeenCalled();
  });

  it('refuses a body that is not JSON, so a switch never runs without its compare-and-swap', async () => {
    const res = await as(
      request(app)
        .post('/entities/default/component/my-app/promote')
        .set('Content-Type', 'text/plain')
        .send('{"revision":"r1"}'),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/must be JSON/);
    expect(services.switches.switch).not.toHaveBeenCalled();
  });

  it('routes the single writes, the checklist and the monitoring', async () => {
    await as(
      request(app)
        .post('/entities/default/component/my-app/scale')
        .send({ color: 'green', replicas: 0 }),
    ).expect(200);
    expect(services.operations.scale).toHaveBeenCalledWith(
      ENTITY,
      { color: 'green', replicas: 0 },
      expect.anything(),
    );
    await as(
      request(app)
        .post('/entities/default/component/my-app/preview-route')
        .send({ enabled: true, reason: 'QA of v1.1.0' }),
    ).expect(200);
    expect(services.operations.setPreviewRoute).toHaveBeenCalledWith(
      ENTITY,
      true,
      expect.anything(),
      'QA of v1.1.0',
    );
    await as(
      request(app)
        .post('/entities/default/component/my-app/mirror')
        .send({ enabled: true, reason: 'load test' }),
    ).expect(200);
    expect(services.operations.setMirror).toHaveBeenCalledWith(
      ENTITY,
      { enabled: true, percent: 100, reason: 'load test' },
      expect.anything(),
    );
    await as(
      request(app).get(
        '/entities/default/component/my-app/checklist?phase=post',
      ),
    ).expect(200);
    expect(services.checklists.checklist).toHaveBeenCalledWith(
      ENTITY,
      'post',
      expect.anything(),
    );
    await as(
      request(app).delete(
        '/entities/default/component/my-app/checklist/smoke-test/sign-off',
      ),
    ).expect(200);
    expect(services.checklists.signOff).toHaveBeenCalledWith(
      ENTITY,
      'smoke-test',
      undefined,
      expect.anything(),
    );
    await as(
      request(app).get(
        '/entities/default/component/my-app/metrics?range=1h&step=30s',
      ),
    ).expect(200);
    expect(services.monitoring.charts).toHaveBeenCalledWith(
      ENTITY,
      { seconds: 3600, stepSeconds: 30 },
      expect.anything(),
    );
    await as(
      request(app).get(
        '/entities/default/component/my-app/monitoring/grafana-dashboard',
      ),
    ).expect(200);
    expect(services.monitoring.monitoring).toHaveBeenCalledWith(
      ENTITY,
      'grafana-dashboard',
      expect.anything(),
    );
  });

  it('answers 403 from the service as a JSON error', async () => {
    services.operations.scale.mockRejectedValueOnce(
      new NotAllowedError('user:default/alice may not scale'),
    );
    const res = await as(
      request(app)
        .post('/entities/default/component/my-app/scale')
        .send({ color: 'green', replicas: 0 }),
    );
    expect(res.status).toBe(403);
    expect(res.body.error.message).toBe('user:default/alice may not scale');
  });

  it('pages the history and the fleet, and validates their queries', async () => {
    await as(
      request(app).get(
        '/entities/default/component/my-app/history?limit=5&before=c',
      ),
    ).expect(200);
    expect(services.status.history).toHaveBeenCalledWith(
      ENTITY,
      { limit: 5, before: 'c' },
      expect.anything(),
    );
    await as(
      request(app).get('/entities/default/component/my-app/history?limit=0'),
    ).expect(400);
    await as(request(app).get('/fleet?refresh=true')).expect(200);
    expect(services.fleet.getFleetAnswer).toHaveBeenCalledWith(
      expect.anything(),
      {
        refresh: true,
      },
    );
    await as(
      request(app)
        .post('/fleet/scale-down')
        .send({ entityRefs: ['component:default/my-app'] }),
    ).expect(200);
    await as(
      request(app).post('/fleet/scale-down').send({ entityRefs: [] }),
    ).expect(400);
    expect(services.fleetScaleDown.scaleDown).toHaveBeenCalledTimes(1);
  });

  it('answers a JSON 404 for any other path', async () => {
    const res = await as(request(app).get('/nothing/here'));
    expect(res.status).toBe(404);
    expect(res.body.error.message).toBe(
      'no route GET /nothing/here in the Blue/Green API',
    );
  });
});
