import { mockServices } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import type { SwitchResponse } from '@bluegreen-backstage/plugin-blue-green-common';
import {
  entityStatus,
  startFakeBlueGreenBackend,
} from '../__testUtils__/fakeBlueGreenBackend';
import { createSwitchAction } from './switch';

const switched = (action: string, body: any): SwitchResponse => ({
  entry: {
    id: 'h-1',
    entityRef: 'component:default/my-app',
    action: action as 'promote',
    from: 'blue',
    to: 'green',
    actor: 'user:default/mock',
    reason: body.reason,
    forced: Boolean(body.force),
    outcome: 'succeeded',
    createdAt: new Date().toISOString(),
  },
  verification: {
    verified: true,
    message: 'Endpoints my-app hold only green pods',
  },
  status: entityStatus({ live: 'green' }),
});

describe('blue-green:promote and blue-green:rollback', () => {
  let backend: Awaited<ReturnType<typeof startFakeBlueGreenBackend>>;
  afterEach(() => backend?.stop());

  const run = (
    action: 'promote' | 'rollback',
    input: object,
    extra: object = {},
  ) => {
    const ctx = createMockActionContext({
      input: input as any,
      logger: mockServices.logger.mock() as any,
      templateInfo: { entityRef: 'template:default/pipeline' } as any,
    });
    Object.assign(ctx, extra);
    return createSwitchAction(action, { client: backend.client })
      .handler(ctx)
      .then(() => ctx);
  };

  it('promotes on behalf of the task user, with the revision it read', async () => {
    backend = await startFakeBlueGreenBackend({
      // A strategy that shifts in steps (Istio).
      status: () =>
        entityStatus({
          strategy: 'istio',
          capabilities: {
            ...entityStatus().capabilities,
            steppedShift: true,
          },
        }),
      switch: switched,
    });
    const ctx = await run('promote', {
      entityRef: 'my-app',
      expectLive: 'blue',
      steps: [50, 100],
    });

    expect(backend.received.map(r => `${r.method} ${r.path}`)).toEqual([
      'GET /api/blue-green/entities/default/component/my-app',
      'POST /api/blue-green/entities/default/component/my-app/promote',
    ]);
    for (const r of backend.received) {
      expect(r.token).toMatchObject({
        obo: 'user:default/mock',
        target: 'blue-green',
      });
    }
    expect(backend.received[1].body).toEqual({
      steps: [50, 100],
      revision: 'rev-1',
      reason: 'scaffolder task mock-task-id (template:default/pipeline)',
    });
    expect(ctx.output).toHaveBeenCalledWith('from', 'blue');
    expect(ctx.output).toHaveBeenCalledWith('to', 'green');
    expect(ctx.output).toHaveBeenCalledWith('live', 'green');
    expect(ctx.output).toHaveBeenCalledWith('historyId', 'h-1');
    expect(ctx.output).toHaveBeenCalledWith('verified', true);
  });

  it('rolls back with the given reason and force', async () => {
    backend = await startFakeBlueGreenBackend({
      status: () =>
        entityStatus({
          live: 'green',
          rollback: {
            allowed: true,
            target: 'blue',
            reasons: [],
            forceable: false,
          },
        }),
      switch: switched,
    });
    await run('rollback', {
      entityRef: 'component:default/my-app',
      reason: '5xx above 1 %',
      force: true,
    });
    expect(backend.received[1].path).toBe(
      '/api/blue-green/entities/default/component/my-app/rollback',
    );
    expect(backend.received[1].body).toEqual({
      reason: '5xx above 1 %',
      force: true,
      revision: 'rev-1',
    });
  });

  it('refuses when another color is live than expected, and sends nothing', async () => {
    backend = await startFakeBlueGreenBackend({
      status: () => entityStatus({ live: 'green' }),
      switch: switched,
    });
    await expect(
      run('promote', { entityRef: 'my-app', expectLive: 'blue' }),
    ).rejects.toThrow(
      'component:default/my-app: expected blue to be live, but green is; nothing was switched',
    );
    expect(backend.received.filter(r => r.method === 'POST')).toEqual([]);
  });

  it("surfaces the backend's refusal (permissions, 409)", async () => {
    backend = await startFakeBlueGreenBackend({
      switch: () => ({
        error: 403,
        message:
          'you do not have permission to promote this entity (blue-green.promote)',
      }),
    });
    await expect(run('promote', { entityRef: 'my-app' })).rejects.toThrow(
      'Blue/Green backend answered POST /promote for default/component/my-app with 403: you do not have permission to promote this entity (blue-green.promote)',
    );
  });

  it('a dry run reports the decision and switches nothing', async () => {
    backend = await startFakeBlueGreenBackend({
      status: () =>
        entityStatus({
          promote: {
            allowed: false,
            target: 'green',
            reasons: ['green has 1/2 pods ready'],
            forceable: true,
          },
        }),
      switch: switched,
    });
    const ctx = await run(
      'promote',
      { entityRef: 'my-app' },
      { isDryRun: true },
    );
    expect(backend.received.map(r => r.method)).toEqual(['GET']);
    expect(ctx.output).toHaveBeenCalledWith('allowed', false);
    expect(ctx.output).toHaveBeenCalledWith('reasons', [
      'green has 1/2 pods ready',
    ]);
    expect(ctx.output).toHaveBeenCalledWith('live', 'blue');
  });

  it('refuses bad input before calling anything', async () => {
    backend = await startFakeBlueGreenBackend({ switch: switched });
    await expect(
      run('promote', { entityRef: 'my-app', expectLive: 'purple' }),
    ).rejects.toThrow('expectLive: Invalid enum value');
    await expect(run('promote', { entityRef: 'a:b:c/d/e' })).rejects.toThrow(
      'entityRef "a:b:c/d/e" is not an entity ref like component:default/my-app',
    );
    // The bounds of the HTTP API and the actions registry, checked before anything is sent.
    await expect(
      run('promote', { entityRef: 'my-app', reason: 'x'.repeat(1001) }),
    ).rejects.toThrow('reason: must be at most 1,000 characters (got 1,001)');
    await expect(
      run('rollback', { entityRef: 'my-app', reason: 'invoice\u202Efdp.exe' }),
    ).rejects.toThrow(
      'reason: must not contain control or bidirectional-override characters (U+202E at position 7)',
    );
    expect(backend.received).toEqual([]);
  });

  it("refuses options the entity's strategy does not support, before switching", async () => {
    backend = await startFakeBlueGreenBackend({
      status: () =>
        entityStatus({
          capabilities: {
            steppedShift: false,
            fullPromote: false,
            previewRoute: false,
            mirror: false,
            scale: true,
            managesScaleDown: false,
            rollbackNeedsReadyTarget: true,
          },
        }),
      switch: switched,
    });
    await expect(
      run('promote', { entityRef: 'my-app', steps: [50, 100], full: true }),
    ).rejects.toThrow(
      'component:default/my-app uses the service-selector strategy, which does not support steps or full; nothing was switched',
    );
    expect(backend.received.map(r => r.method)).toEqual(['GET']);
  });
});
