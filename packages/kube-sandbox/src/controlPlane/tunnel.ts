/**
 * The way into the control plane's own network namespace. Pods and Services have addresses there
 * (a pod network and a Service range on that namespace's loopback device), so nothing outside it
 * can reach them, nor be reached by mistake. Two Unix sockets cross the namespace boundary:
 *   - `api.sock`: a byte pipe to kube-apiserver (TLS passes through, certificates are checked end
 *     to end by the client);
 *   - `proxy.sock`: an HTTP proxy (CONNECT and absolute-URI requests) to addresses in there.
 * `serveTunnels` runs inside the namespace; `relay` runs outside and offers each socket on a free
 * loopback TCP port, for kubectl, the plugin and tests.
 */
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';

function pipe(a: net.Socket, b: net.Socket) {
  a.pipe(b).on('error', () => a.destroy());
  b.pipe(a).on('error', () => b.destroy());
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
  a.on('close', () => b.destroy());
  b.on('close', () => a.destroy());
}

function listenUnix(server: net.Server, path: string) {
  fs.rmSync(path, { force: true });
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
}

export async function serveTunnels(
  dir: string,
  apiserver: { host: string; port: number },
): Promise<() => Promise<void>> {
  const api = net.createServer(client =>
    pipe(client, net.connect(apiserver.port, apiserver.host)),
  );
  const proxy = http.createServer((req, res) => {
    // An absolute-URI request (curl -x, HTTP_PROXY for plain http://).
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('an absolute URL is required\n');
      return;
    }
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port || 80,
        method: req.method,
        path: `${target.pathname}${target.search}`,
        headers: req.headers,
      },
      up => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', e => {
      if (!res.headersSent) res.writeHead(502);
      res.end(`${e.message}\n`);
    });
    req.pipe(upstream);
  });
  proxy.on('connect', (req, client: net.Socket, head) => {
    const [host, port] = (req.url ?? '').split(/:(?=\d+$)/);
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      pipe(client, upstream);
    });
    upstream.on('error', e => {
      client.end(`HTTP/1.1 502 Bad Gateway\r\n\r\n${e.message}\n`);
    });
  });
  await listenUnix(api, `${dir}/api.sock`);
  await listenUnix(proxy, `${dir}/proxy.sock`);
  return async () => {
    await Promise.all([api, proxy].map(s => new Promise(r => s.close(r))));
  };
}

/** Offers each Unix socket on a free loopback port; resolves with the ports, by socket name. */
export async function relay(
  sockets: Record<string, string>,
): Promise<{ ports: Record<string, number>; close(): Promise<void> }> {
  const servers: net.Server[] = [];
  const ports: Record<string, number> = {};
  for (const [name, path] of Object.entries(sockets)) {
    const server = net.createServer(client => pipe(client, net.connect(path)));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    ports[name] = (server.address() as net.AddressInfo).port;
    servers.push(server);
  }
  return {
    ports,
    close: async () => {
      await Promise.all(servers.map(s => new Promise(r => s.close(r))));
    },
  };
}
