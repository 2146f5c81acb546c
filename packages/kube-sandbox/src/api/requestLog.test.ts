import { startSandbox, Sandbox } from '../sandbox';
import { api } from '../testing/helpers';
import { ApiRequestLog } from './requestLog';

describe('API request log', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ scenario: 'empty', listeners: false });
  });
  afterAll(() => sandbox.stop());
  afterEach(() => sandbox.faults.clear());

  it('records every request in order, with verb, resource, query and status', async () => {
    const mark = sandbox.requests.mark();
    await api(sandbox, 'GET', '/api/v1/namespaces/default/services?limit=5');
    await api(sandbox, 'POST', '/api/v1/namespaces/default/services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'logged' },
      spec: { ports: [{ port: 80 }] },
    });
    await api(
      sandbox,
      'PATCH',
      '/api/v1/namespaces/default/services/logged',
      { metadata: { labels: { a: 'b' } } },
      'application/merge-patch+json',
    );
    await api(sandbox, 'GET', '/api/v1/namespaces/default/services/missing');
    await api(sandbox, 'DELETE', '/api/v1/namespaces/default/services/logged');
    await api(sandbox, 'GET', '/version');

    const seen = sandbox.requests.list(mark);
    expect(seen.map(r => [r.method, r.verb, r.resource, r.status])).toEqual([
      ['GET', 'list', 'services', 200],
      ['POST', 'create', 'services', 201],
      ['PATCH', 'patch', 'services', 200],
      ['GET', 'get', 'services', 404],
      ['DELETE', 'delete', 'services', 200],
      ['GET', 'get', undefined, 200],
    ]);
    expect(seen[0]).toMatchObject({
      path: '/api/v1/namespaces/default/services',
      query: 'limit=5',
    });
    expect(seen.map(r => r.seq)).toEqual([1, 2, 3, 4, 5, 6].map(i => mark + i));
    expect(sandbox.requests.mutating(mark).map(r => r.method)).toEqual([
      'POST',
      'PATCH',
      'DELETE',
    ]);
    expect(sandbox.requests.mark()).toBe(mark + 6);
  });

  it('records writes the API refused or a fault rule answered', async () => {
    const mark = sandbox.requests.mark();
    sandbox.faults.set({ kind: 'error', status: 503, method: 'PATCH' });
    await api(
      sandbox,
      'PATCH',
      '/api/v1/namespaces/default/services/nope',
      {},
      'application/merge-patch+json',
    );
    await api(sandbox, 'PUT', '/api/v1/namespaces/default/services/nope', {});
    expect(
      sandbox.requests.mutating(mark).map(r => [r.method, r.status]),
    ).toEqual([
      ['PATCH', 503],
      ['PUT', 404],
    ]);
  });

  it('keeps the newest requests only, without reusing numbers', () => {
    const log = new ApiRequestLog(2);
    for (const method of ['GET', 'POST', 'PATCH']) {
      log.record({ method, path: '/x', verb: method.toLowerCase() });
    }
    expect(log.list().map(r => [r.seq, r.method])).toEqual([
      [2, 'POST'],
      [3, 'PATCH'],
    ]);
    expect(log.mutating(2).map(r => r.seq)).toEqual([3]);
    log.clear();
    expect(log.list()).toEqual([]);
    expect(log.mark()).toBe(3);
  });
});
