import {
  expectStatus,
  startWorld,
  users,
  waitFor,
  World,
} from '../__testUtils__/harness';

jest.setTimeout(120_000);

describe('actions (MCP)', () => {
  let world: World;
  const invoke = (user: string, action: string, input: object) =>
    world
      .as(user)
      .raw(
        'post',
        `/api/blue-green/.backstage/actions/v1/actions/blue-green:${action}/invoke`,
      )
      .send(input);

  beforeAll(async () => {
    world = await startWorld({ database: 'sqlite' });
  });

  afterAll(async () => {
    await world?.stop();
  });

  it('get-status, promote and rollback, with permissions enforced inside', async () => {
    const status = await waitFor('my-app ready', async () => {
      const res = await invoke(users.alice, 'get-status', {
        entityRef: 'component:default/my-app',
      });
      expectStatus(res, 200);
      return res.body.output.promote.allowed && res.body.output;
    });
    expect(status).toMatchObject({
      live: 'blue',
      strategy: 'service-selector',
    });

    const denied = await invoke(users.bob, 'promote', {
      entityRef: 'component:default/my-app',
    });
    expectStatus(denied, 403);
    expect(await world.hit('default', 'my-app')).toContain('v1.0.0');

    const promoted = await invoke(users.alice, 'promote', {
      entityRef: 'component:default/my-app',
      revision: status.revision,
      reason: 'from an AI assistant',
    });
    expectStatus(promoted, 200);
    expect(promoted.body.output).toMatchObject({
      outcome: 'succeeded',
      from: 'blue',
      to: 'green',
      verified: true,
    });
    expect(await world.hit('default', 'my-app')).toContain('v1.1.0');

    const rolledBack = await invoke(users.alice, 'rollback', {
      entityRef: 'component:default/my-app',
    });
    expectStatus(rolledBack, 200);
    expect(rolledBack.body.output.status.live).toBe('blue');
  });

  it('rejects a malformed entity reference with 400 and an unknown one with 404', async () => {
    expectStatus(
      await invoke(users.alice, 'get-status', { entityRef: '' }),
      400,
    );
    expectStatus(
      await invoke(users.alice, 'get-status', { entityRef: 42 }),
      400,
    );
    expectStatus(
      await invoke(users.alice, 'get-status', {
        entityRef: 'component:default/nope',
      }),
      404,
    );
  });
});
