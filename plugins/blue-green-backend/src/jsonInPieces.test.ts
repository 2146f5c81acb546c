import express from 'express';
import request from 'supertest';
import { sendJsonInPieces } from './jsonInPieces';

/**
 * An app answering `body` in pieces. With `behind`, every write reports the connection behind and
 * the drain comes a moment later, so each piece waits for it.
 */
function appSending(
  body: { rows: unknown[]; [key: string]: unknown },
  options: { behind?: boolean } = {},
) {
  const writes: number[] = [];
  const listeners: number[] = [];
  const app = express();
  app.get('/', async (_req, res) => {
    const write = res.write.bind(res) as (...args: any[]) => boolean;
    res.write = ((chunk: any, ...rest: any[]) => {
      writes.push(Buffer.byteLength(chunk));
      write(chunk, ...rest);
      if (!options.behind) return true;
      setTimeout(() => res.emit('drain'), 1);
      return false;
    }) as typeof res.write;
    const count = () =>
      ['drain', 'close', 'error'].map(e => res.listenerCount(e));
    listeners.push(...count());
    await sendJsonInPieces(res, body, 'rows');
    listeners.push(...count());
  });
  return { app, writes, listeners };
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

  it('waits for the connection to drain between pieces, and leaves no listener behind', async () => {
    const body = { rows: Array.from({ length: 2500 }, (_, i) => i) };
    const { app, writes, listeners } = appSending(body, { behind: true });
    const res = await request(app).get('/').expect(200);
    expect(res.body).toEqual(body);
    expect(writes).toHaveLength(26);
    // drain, close and error listeners: as many after the answer as before it.
    expect(listeners.slice(3)).toEqual(listeners.slice(0, 3));
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
