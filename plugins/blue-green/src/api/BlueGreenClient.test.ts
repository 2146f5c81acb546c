import { BlueGreenClient } from './BlueGreenClient';

const entity = { kind: 'Component', namespace: 'default', name: 'my-app' };

function client(response: Response) {
  const fetch = jest.fn(async (_url: string, _init?: RequestInit) => response);
  return {
    fetch,
    client: new BlueGreenClient({
      discoveryApi: {
        getBaseUrl: async id => `http://backend/api/${id}`,
      },
      fetchApi: { fetch: fetch as any },
    }),
  };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });

describe('BlueGreenClient', () => {
  it('uses the /entities/:namespace/:kind/:name scheme', async () => {
    const { fetch, client: c } = client(json({ items: [], total: 0 }));
    await c.getHistory(entity, { limit: 10, before: 'h 1' });
    expect(fetch.mock.calls[0][0]).toBe(
      'http://backend/api/blue-green/entities/default/component/my-app/history?limit=10&before=h+1',
    );
  });

  it('posts switch requests as JSON', async () => {
    const { fetch, client: c } = client(json({}));
    await c.promote(entity, { revision: 'r', reason: 'go', steps: [10, 100] });
    const [url, init] = fetch.mock.calls[0];
    expect(url).toBe(
      'http://backend/api/blue-green/entities/default/component/my-app/promote',
    );
    expect(init?.method).toBe('POST');
    expect(JSON.parse(String(init?.body))).toEqual({
      revision: 'r',
      reason: 'go',
      steps: [10, 100],
    });
  });

  it('withdraws a sign-off with DELETE and an encoded item id', async () => {
    const { fetch, client: c } = client(json({}));
    await c.withdrawSignOff(entity, 'db/migration');
    expect(fetch.mock.calls[0][0]).toMatch(
      /\/checklist\/db%2Fmigration\/sign-off$/,
    );
    expect(fetch.mock.calls[0][1]?.method).toBe('DELETE');
  });

  it("throws a ResponseError carrying the backend's message", async () => {
    const { client: c } = client(
      json(
        {
          error: { name: 'ConflictError', message: 'promote refused: x' },
          request: { method: 'POST', url: '/x' },
          response: { statusCode: 409 },
        },
        409,
      ),
    );
    await expect(c.promote(entity, {})).rejects.toMatchObject({
      name: 'ResponseError',
      body: { error: { message: 'promote refused: x' } },
    });
  });
});
