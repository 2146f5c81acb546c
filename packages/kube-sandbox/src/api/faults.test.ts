import net from 'net';
import { startSandbox, Sandbox } from '../sandbox';
import { api } from '../testing/helpers';

describe('API fault mode', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ scenario: 'empty', listeners: false });
  });
  afterAll(() => sandbox.stop());
  afterEach(() => sandbox.faults.clear());

  it('error: answers 500 InternalError for matching requests, `count` times', async () => {
    sandbox.faults.set({
      kind: 'error',
      method: 'GET',
      resource: 'services',
      count: 2,
    });
    const a = await api(sandbox, 'GET', '/api/v1/namespaces/default/services');
    expect(a.status).toBe(500);
    expect(a.json).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'InternalError',
      code: 500,
    });
    expect(
      (await api(sandbox, 'GET', '/api/v1/namespaces/default/pods')).status,
    ).toBe(200);
    expect(
      (await api(sandbox, 'GET', '/api/v1/namespaces/default/services')).status,
    ).toBe(500);
    expect(
      (await api(sandbox, 'GET', '/api/v1/namespaces/default/services')).status,
    ).toBe(200);
    expect(sandbox.faults.list()[0].hits).toBe(2);
  });

  it('error with status 503 carries Retry-After; probability 0 never hits', async () => {
    sandbox.faults.set([
      {
        kind: 'error',
        status: 503,
        path: '/api/v1/namespaces/default/configmaps',
      },
    ]);
    const r = await api(
      sandbox,
      'GET',
      '/api/v1/namespaces/default/configmaps',
    );
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('1');
    sandbox.faults.set({ kind: 'error', probability: 0 });
    expect(
      (await api(sandbox, 'GET', '/api/v1/namespaces/default/configmaps'))
        .status,
    ).toBe(200);
  });

  it('timeout: hangs the request, then 504', async () => {
    sandbox.faults.set({ kind: 'timeout', verb: 'list', delayMs: 300 });
    const t0 = Date.now();
    const r = await api(sandbox, 'GET', '/api/v1/namespaces/default/pods');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(r.status).toBe(504);
    expect(r.json.reason).toBe('Timeout');
  });

  it('drop: closes the connection without an answer', async () => {
    sandbox.faults.set({ kind: 'drop', verb: 'get' });
    await expect(
      api(sandbox, 'GET', '/api/v1/namespaces/default'),
    ).rejects.toThrow();
    // The listener itself keeps working.
    await new Promise<void>((resolve, reject) => {
      const s = net.connect(
        Number(new URL(sandbox.url).port),
        '127.0.0.1',
        () => {
          s.end();
          resolve();
        },
      );
      s.on('error', reject);
    });
  });

  it('lost-answer: applies the request, then closes the connection without an answer', async () => {
    await api(sandbox, 'POST', '/api/v1/namespaces/default/configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'lost' },
    });
    sandbox.faults.set({ kind: 'lost-answer', verb: 'patch', count: 1 });
    await expect(
      api(
        sandbox,
        'PATCH',
        '/api/v1/namespaces/default/configmaps/lost',
        { data: { written: 'yes' } },
        'application/merge-patch+json',
      ),
    ).rejects.toThrow();
    const r = await api(
      sandbox,
      'GET',
      '/api/v1/namespaces/default/configmaps/lost',
    );
    expect(r.status).toBe(200);
    expect(r.json.data).toEqual({ written: 'yes' });
  });

  it('conflict: a 409 storm on writes', async () => {
    await api(sandbox, 'POST', '/api/v1/namespaces/default/configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
    });
    sandbox.faults.set({ kind: 'conflict', verb: 'patch', count: 3 });
    const codes = [];
    for (let i = 0; i < 4; i++) {
      codes.push(
        (
          await api(
            sandbox,
            'PATCH',
            '/api/v1/namespaces/default/configmaps/c',
            { data: { i: String(i) } },
            'application/merge-patch+json',
          )
        ).status,
      );
    }
    expect(codes).toEqual([409, 409, 409, 200]);
    const r = await api(
      sandbox,
      'PATCH',
      '/api/v1/namespaces/default/configmaps/c',
      {},
      'application/merge-patch+json',
    );
    expect(r.status).toBe(200);
  });

  it('latency: delays then answers normally', async () => {
    sandbox.faults.set({ kind: 'latency', delayMs: 200, method: ['GET'] });
    const t0 = Date.now();
    const r = await api(sandbox, 'GET', '/version');
    expect(r.status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
  });
});
