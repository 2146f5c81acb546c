import express from 'express';
import request from 'supertest';
import { sendJsonInPieces } from './jsonInPieces';

function appSending(body: { rows: unknown[]; [key: string]: unknown }) {
  const writes: number[] = [];
  const app = express();
  app.get('/', async (_req, res) => {
    const write = res.write.bind(res) as (...args: any[]) => boolean;
    res.write = ((chunk: any, ...rest: any[]) => {
      writes.push(Buffer.byteLength(chunk));
      return write(chunk, ...rest);
    }) as typeof res.write;
    await sendJsonInPieces(res, body, 'rows');
  });
  return { app, writes };
}

describe('sendJsonInPieces', () => {
  it('answers the same JSON as res.json, the list written in pieces of tens of kilobytes', async () => {
    const body = {
      rows: Array.from({ length: 1234 }, (_, i) => ({
        key: `component:default/service-${i}@bench-${i % 10}`,
        live: i % 2 ? 'blue' : 'green',
        note: 'quotes " and \\ and ünïcode',
        missing: undefined,
      })),
      clusters: [{ name: 'bench-0', status: 'ok' }],
      partial: false,
      warnings: [],
    };
    const { app, writes } = appSending(body);
    const res = await request(app).get('/').expect(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toEqual(JSON.parse(JSON.stringify(body)));
    // 1,234 rows: the opening, 13 pieces of at most 100 rows; the rest goes with res.end.
    expect(writes).toHaveLength(14);
    expect(Math.max(...writes)).toBeLessThan(16 * 1024);
  });

  it('answers an empty list, and a body with nothing beside the list', async () => {
    const empty = appSending({ rows: [], partial: true });
    expect((await request(empty.app).get('/').expect(200)).body).toEqual({
      rows: [],
      partial: true,
    });
    const alone = appSending({ rows: [1, 2] });
    expect((await request(alone.app).get('/').expect(200)).body).toEqual({
      rows: [1, 2],
    });
  });
});
