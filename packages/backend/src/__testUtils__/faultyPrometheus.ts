import http from 'node:http';
import { AddressInfo } from 'node:net';

/** What the stand-in between the plugin and the real Prometheus does to each query. */
export type PrometheusFault =
  /** Pass the query through and the answer back. */
  | 'none'
  /** Not listening: connection refused. */
  | 'down'
  /** Answer only after `slowMs` (longer than the plugin's timeout). */
  | 'slow'
  /** 503 with Prometheus' error envelope. */
  | 'error'
  /** The real answer, with every sample value replaced by "NaN". */
  | 'nan'
  /** 200 with a body that is not Prometheus' JSON (a proxy's error page). */
  | 'garbage';

/**
 * A fault-injecting proxy in front of a real Prometheus: the plugin is pointed at it, and a test
 * turns Prometheus' failures on and off while the real server keeps scraping.
 */
export async function startFaultyPrometheus(options: { slowMs?: number } = {}) {
  let target: string | undefined;
  let fault: PrometheusFault = 'none';
  let queries = 0;
  const server = http.createServer((req, res) => {
    queries++;
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', async () => {
      if (fault === 'error') {
        res.writeHead(503, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({
            status: 'error',
            errorType: 'unavailable',
            error: 'injected: query engine overloaded',
          }),
        );
        return;
      }
      if (fault === 'garbage') {
        res.writeHead(200, { 'Content-Type': 'text/html' });
        res.end('<html><body>502 Bad Gateway</body></html>');
        return;
      }
      if (fault === 'slow') {
        await new Promise(r => setTimeout(r, options.slowMs ?? 10_000));
      }
      try {
        if (!target) throw new Error('no Prometheus behind the stand-in yet');
        const upstream = await fetch(`${target}${req.url}`, {
          method: req.method,
          headers: {
            'Content-Type':
              req.headers['content-type'] ??
              'application/x-www-form-urlencoded',
          },
          body: req.method === 'GET' ? undefined : Buffer.concat(chunks),
        });
        let body = await upstream.text();
        if (fault === 'nan') {
          const parsed = JSON.parse(body);
          for (const series of parsed.data?.result ?? []) {
            if (series.value) series.value[1] = 'NaN';
            for (const point of series.values ?? []) point[1] = 'NaN';
          }
          body = JSON.stringify(parsed);
        }
        if (!res.destroyed) {
          res.writeHead(upstream.status, {
            'Content-Type': 'application/json',
          });
          res.end(body);
        }
      } catch {
        res.destroy();
      }
    });
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const listening = () => server.listening;
  return {
    url: `http://127.0.0.1:${port}`,
    /** The real Prometheus to forward to (known once it has started). */
    setTarget(url: string) {
      target = url;
    },
    /** Queries received (a refused connection is not counted). */
    queries: () => queries,
    async set(next: PrometheusFault) {
      if (next === 'down' && listening()) {
        server.closeAllConnections();
        await new Promise(r => server.close(r));
      } else if (next !== 'down' && !listening()) {
        await new Promise<void>(r => server.listen(port, '127.0.0.1', r));
      }
      fault = next;
    },
    async stop() {
      if (!listening()) return;
      server.closeAllConnections();
      await new Promise(r => server.close(r));
    },
  };
}
