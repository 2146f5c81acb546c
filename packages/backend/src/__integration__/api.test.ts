import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  expectStatus,
  startWorld,
  users,
  waitFor,
  World,
} from '../__testUtils__/harness';
import { writeAnnotatedComponents } from '../__testUtils__/security';

jest.setTimeout(120_000);

const MY_APP = '/entities/default/component/my-app';
const TEST_POD = '/entities/default/component/test-pod';

/** `moving-app`: the Service-selector my-app, until the test moves it to the Istio one. */
const movingFile = join(
  mkdtempSync(join(tmpdir(), 'blue-green-moving-')),
  'moving.yaml',
);
const MOVING = '/entities/default/component/moving-app';
const writeMoving = (namespace: string, strategy: string) =>
  writeAnnotatedComponents(movingFile, [
    {
      name: 'moving-app',
      annotations: {
        'backstage.io/kubernetes-id': 'my-app',
        'backstage.io/kubernetes-namespace': namespace,
        'blue-green.backstage.io/strategy': strategy,
      },
    },
  ]);
writeMoving('default', 'service-selector');

describe('Blue/Green API: bad input, scale, diagnostics', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld({
      database: 'sqlite',
      catalogFiles: [movingFile],
      blueGreen: {
        switch: { verifyTimeout: '10s', stepInterval: '0s' },
        scaleDown: { enabled: true, delay: '1s', replicas: 1 },
      },
    });
    await waitFor('test-pod ready', async () => {
      const res = await world.as(users.alice).get(TEST_POD);
      return res.body?.promote?.allowed;
    });
  });

  afterAll(async () => {
    await world?.stop();
  });

  it('reads where the catalog places an entity now, not where it was at the last request', async () => {
    // The reads of a request start where the entity's objects were at the last one, while the
    // catalog answers; they count only if the catalog still places the entity there.
    const before = await world.as(users.alice).get(MOVING);
    expectStatus(before, 200);
    expect(before.body).toMatchObject({
      strategy: 'service-selector',
      namespace: 'default',
      details: { strategy: 'service-selector' },
    });

    writeMoving('istio-demo', 'istio');
    const moved = await waitFor('moving-app moved to Istio', async () => {
      const res = await world.as(users.alice).get(MOVING);
      return res.body?.strategy === 'istio' && res;
    });

    expectStatus(moved, 200);
    const mesh = await world
      .as(users.alice)
      .get('/entities/default/component/my-app-mesh');
    // Objects, live state and revision are those of the Istio objects, read after the move.
    expect(moved.body.namespace).toBe('istio-demo');
    expect(moved.body.details).toEqual(mesh.body.details);
    expect(moved.body.revision).toBe(mesh.body.revision);
    expect(moved.body.colors.blue.workload).toEqual(
      mesh.body.colors.blue.workload,
    );
  });

  it('answers 404 for an unknown entity', async () => {
    const res = await world
      .as(users.alice)
      .get('/entities/default/component/nope');
    expectStatus(res, 404);
    expect(res.body.error.message).toContain('component:default/nope');
  });

  it('answers 400 naming the missing annotation', async () => {
    const res = await world
      .as(users.alice)
      .get('/entities/default/system/storefront');
    expectStatus(res, 400);
    expect(res.body.error.message).toContain(
      'blue-green.backstage.io/strategy is missing',
    );
  });

  it.each([
    ['force', { force: 'yes' }],
    ['steps', { steps: [50, 10] }],
    ['colour', { colour: 'green' }],
    ['reason', { reason: 'x'.repeat(2000) }],
  ])(
    'answers 400 for a bad %s field and changes nothing',
    async (field, body) => {
      const before = await world.kube(
        '/api/v1/namespaces/default/services/my-app',
      );
      const res = await world.as(users.alice).post(`${MY_APP}/promote`, body);
      expectStatus(res, 400);
      expect(res.body.error.message).toContain(field);
      const after = await world.kube(
        '/api/v1/namespaces/default/services/my-app',
      );
      expect(after.metadata.resourceVersion).toBe(
        before.metadata.resourceVersion,
      );
    },
  );

  it('answers 400 for Istio steps on a service-selector entity', async () => {
    const res = await world
      .as(users.alice)
      .post(`${MY_APP}/promote`, { steps: [50, 100] });
    expectStatus(res, 400);
    expect(res.body.error.message).toContain('istio');
  });

  it('answers 400 for malformed JSON', async () => {
    const res = await world
      .as(users.alice)
      .post(`${MY_APP}/promote`)
      .set('Content-Type', 'application/json')
      .send('{"reason": ');
    expectStatus(res, 400);
  });

  it('answers 409 when the revision the user decided on is stale', async () => {
    const res = await world
      .as(users.alice)
      .post(`${MY_APP}/promote`, { revision: 'stale' });
    expectStatus(res, 409);
    expect(res.body.error.message).toContain('live state changed');
    const history = await world.as(users.alice).get(`${MY_APP}/history`);
    expect(history.body.items[0]).toMatchObject({
      action: 'promote',
      outcome: 'refused',
    });
  });

  it('answers 503 naming the cluster when it is unreachable, and writes nothing', async () => {
    world.sandbox.faults.set({ kind: 'drop' });
    try {
      const res = await world.as(users.alice).get(MY_APP);
      expectStatus(res, 503);
      expect(res.body.error.message).toContain('cluster sandbox');
    } finally {
      world.sandbox.faults.clear();
    }
  });

  it('scales a color; refuses to scale the live color to zero; refuses users without permission', async () => {
    const scaled = await world.as(users.alice).post(`${MY_APP}/scale`, {
      color: 'green',
      replicas: 2,
      reason: 'save money',
    });
    expectStatus(scaled, 200);
    const deployment = await world.kube(
      '/apis/apps/v1/namespaces/default/deployments/my-app-green',
    );
    expect(deployment.spec.replicas).toBe(2);

    const live = await world
      .as(users.alice)
      .post(`${MY_APP}/scale`, { color: 'blue', replicas: 0 });
    expectStatus(live, 409);

    const denied = await world
      .as(users.bob)
      .post(`${MY_APP}/scale`, { color: 'green', replicas: 0 });
    expectStatus(denied, 403);
    const after = await world.kube(
      '/apis/apps/v1/namespaces/default/deployments/my-app-green',
    );
    expect(after.spec.replicas).toBe(2);
  });

  it('scales the previous color down after a promote, once the delay has passed', async () => {
    const promoted = await world
      .as(users.alice)
      .post(`${TEST_POD}/promote`, {});
    expectStatus(promoted, 200);
    expect(promoted.body.status.scaleDown).toMatchObject({
      color: 'blue',
      replicas: 1,
    });
    const blue = await waitFor(
      'blue scaled down to 1 replica',
      async () => {
        const d = await world.kube(
          '/apis/apps/v1/namespaces/default/deployments/test-deployment-blue',
        );
        return d.spec.replicas === 1 && d;
      },
      20_000,
    );
    expect(blue.spec.replicas).toBe(1);
    const history = await world.as(users.alice).get(`${TEST_POD}/history`);
    expect(history.body.items[0]).toMatchObject({
      action: 'scale-down',
      to: 'blue',
      outcome: 'succeeded',
    });
  });

  it('explains why a color is not ready and how the colors differ', async () => {
    await world.kube(
      '/apis/apps/v1/namespaces/default/deployments/my-app-green',
      {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/strategic-merge-patch+json' },
        body: JSON.stringify({
          spec: {
            template: {
              spec: {
                containers: [{ name: 'app', image: 'my-app:does-not-exist' }],
              },
            },
          },
        }),
      },
    );
    const diagnostics = await waitFor(
      'an image pull failure on green',
      async () => {
        const res = await world.as(users.alice).get(`${MY_APP}/diagnostics`);
        expectStatus(res, 200);
        return (
          res.body.colors.green.notReady.some((p: any) =>
            /ImagePull|ErrImage/.test(p.reason),
          ) && res.body
        );
      },
    );
    expect(diagnostics.templateDiff).toEqual(
      expect.arrayContaining([
        {
          field: 'containers[app].image',
          blue: 'my-app:1.0.0',
          green: 'my-app:does-not-exist',
        },
      ]),
    );
    expect(
      diagnostics.colors.green.events.some((e: any) =>
        /Failed|BackOff/.test(e.reason),
      ),
    ).toBe(true);
    expect(diagnostics.colors.blue.notReady).toEqual([]);
  });
});
