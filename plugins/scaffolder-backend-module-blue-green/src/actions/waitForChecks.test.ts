import { mockServices } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import type { Checklist } from '@bluegreen-backstage/plugin-blue-green-common';
import {
  checklist,
  startFakeBlueGreenBackend,
} from '../__testUtils__/fakeBlueGreenBackend';
import { createWaitForChecksAction } from './waitForChecks';

describe('blue-green:wait-for-checks', () => {
  let backend: Awaited<ReturnType<typeof startFakeBlueGreenBackend>>;
  afterEach(() => backend?.stop());

  const run = (input: object, extra: object = {}) => {
    const ctx = createMockActionContext({
      input: input as any,
      logger: mockServices.logger.mock() as any,
    });
    Object.assign(ctx, extra);
    return createWaitForChecksAction({ client: backend.client })
      .handler(ctx)
      .then(() => ctx);
  };

  /** Answers the given checklists in turn, repeating the last one. */
  const sequence = (...lists: Checklist[]) => {
    let i = 0;
    return () => lists[Math.min(i++, lists.length - 1)];
  };

  it('polls the pre-deploy checklist until it passes', async () => {
    backend = await startFakeBlueGreenBackend({
      checklist: sequence(
        checklist('pending', [{ status: 'pending', observed: '1/2 ready' }]),
        checklist('pending', [{ status: 'pending', observed: '1/2 ready' }]),
        checklist('pass', [{ status: 'pass', observed: '2/2 ready' }]),
      ),
    });
    const ctx = await run({ entityRef: 'my-app', intervalSeconds: 1 });
    expect(backend.received.map(r => r.path)).toEqual([
      '/api/blue-green/entities/default/component/my-app/checklist?phase=pre',
      '/api/blue-green/entities/default/component/my-app/checklist?phase=pre',
      '/api/blue-green/entities/default/component/my-app/checklist?phase=pre',
    ]);
    expect(backend.received[0].token.obo).toBe('user:default/mock');
    expect(ctx.output).toHaveBeenCalledWith('status', 'pass');
    expect(ctx.output).toHaveBeenCalledWith('color', 'green');
    expect(ctx.output).toHaveBeenCalledWith('version', '1.1.0');
    expect(ctx.output).toHaveBeenCalledWith('notPassing', []);
  });

  it('gives up after the timeout, naming what does not pass', async () => {
    backend = await startFakeBlueGreenBackend({
      checklist: () =>
        checklist('fail', [
          { id: 'error-rate', status: 'fail', observed: '2.3 %' },
          { id: 'db-migration', status: 'pending', kind: 'manual' },
          { id: 'dashboard', status: 'unknown', required: false },
        ]),
    });
    await expect(
      run({ entityRef: 'my-app', timeoutSeconds: 1, intervalSeconds: 1 }),
    ).rejects.toThrow(
      'component:default/my-app: pre-deploy checklist of green is fail — error-rate: fail (2.3 %), db-migration: pending; gave up after 1 s',
    );
  });

  it('accepts warn only when allowed', async () => {
    backend = await startFakeBlueGreenBackend({
      checklist: () => checklist('warn', [{ status: 'warn' }]),
    });
    await expect(
      run({ entityRef: 'my-app', timeoutSeconds: 1, intervalSeconds: 1 }),
    ).rejects.toThrow('(set allowWarnings to accept warn)');
    const ctx = await run({ entityRef: 'my-app', allowWarnings: true });
    expect(ctx.output).toHaveBeenCalledWith('status', 'warn');
  });

  it('reads the post-deploy checklist when asked', async () => {
    backend = await startFakeBlueGreenBackend({
      checklist: phase => ({ ...checklist('pass'), phase: phase as 'post' }),
    });
    await run({ entityRef: 'component:prod/my-app', phase: 'post' });
    expect(backend.received[0].path).toBe(
      '/api/blue-green/entities/prod/component/my-app/checklist?phase=post',
    );
  });

  it('a dry run reads once and does not wait', async () => {
    backend = await startFakeBlueGreenBackend({
      checklist: () => checklist('pending', [{ status: 'pending' }]),
    });
    const ctx = await run({ entityRef: 'my-app' }, { isDryRun: true });
    expect(backend.received).toHaveLength(1);
    expect(ctx.output).toHaveBeenCalledWith('status', 'pending');
    expect(ctx.output).toHaveBeenCalledWith('notPassing', [
      'pods-ready: pending',
    ]);
  });

  it('stops when the task is cancelled', async () => {
    backend = await startFakeBlueGreenBackend({
      checklist: () => checklist('pending', [{ status: 'pending' }]),
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    await expect(
      run(
        { entityRef: 'my-app', intervalSeconds: 30 },
        { signal: controller.signal },
      ),
    ).rejects.toThrow('the task was cancelled');
  });

  it('fails at once when the backend has no checklist for the entity', async () => {
    backend = await startFakeBlueGreenBackend({});
    await expect(run({ entityRef: 'my-app' })).rejects.toThrow(
      'Blue/Green backend answered GET /checklist for default/component/my-app with 404: no checklist',
    );
    expect(backend.received).toHaveLength(1);
  });
});
