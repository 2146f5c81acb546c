/**
 * The "container" of a simulated pod: a real HTTP server on the pod's loopback address
 * answering `/` with its version, `/health`, and `/metrics` (prom-client registry per pod).
 */
import http from 'http';
import { AddressInfo, Socket } from 'net';
import { Counter, Histogram, Registry } from 'prom-client';
import { PodFaults } from './faultAnnotations';

export interface PodView {
  color: string;
  version: string;
  /** Body of `/`. */
  greeting: string;
  faults: PodFaults;
  /** Readiness as the kubelet last saw it; /health answers 503 when false. */
  healthy: boolean;
}

export const SERVICE_HEADER = 'x-sandbox-service';

/** Lines a pod keeps (a kubelet keeps what fits its log files). */
const MAX_LOG_LINES = 1000;

/** What `GET …/pods/NAME/log` takes, as kube-apiserver's PodLogOptions. */
export type LogOptions = {
  sinceSeconds?: number;
  tailLines?: number;
  limitBytes?: number;
  timestamps?: boolean;
};

export class PodProcess {
  readonly registry = new Registry();
  private readonly requests: Counter<
    'color' | 'version' | 'status' | 'service'
  >;
  private readonly duration: Histogram<
    'color' | 'version' | 'status' | 'service'
  >;
  private readonly servers: http.Server[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly logLines: Array<{ at: Date; text: string }> = [];
  requestCount = 0;
  /** Ports actually bound (may differ from the containerPort when it was taken). */
  boundPorts = new Map<number, number>();

  constructor(
    readonly ip: string,
    readonly ports: number[],
    private readonly view: () => PodView,
  ) {
    this.requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests served by this pod, by color, version, status code and Service.',
      labelNames: ['color', 'version', 'status', 'service'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency of this pod, by color, version, status code and Service.',
      labelNames: ['color', 'version', 'status', 'service'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
  }

  log(line: string) {
    this.logLines.push({ at: new Date(), text: line });
    // The container runtime's log rotation, in small: the oldest lines go.
    if (this.logLines.length > MAX_LOG_LINES)
      this.logLines.splice(0, this.logLines.length - MAX_LOG_LINES);
  }

  /**
   * The log as the kubelet serves it: lines since `sinceSeconds` ago, the last `tailLines` of
   * them, each prefixed with its RFC 3339 time when `timestamps`, cut at `limitBytes`.
   */
  logs(options: LogOptions = {}): string {
    const since =
      options.sinceSeconds !== undefined
        ? Date.now() - options.sinceSeconds * 1000
        : undefined;
    let lines = this.logLines.filter(
      l => since === undefined || l.at.getTime() >= since,
    );
    if (options.tailLines !== undefined) {
      lines = options.tailLines > 0 ? lines.slice(-options.tailLines) : [];
    }
    const text = lines
      .map(
        l =>
          `${
            options.timestamps
              ? `${l.at.toISOString().replace('Z', '000000Z')} `
              : ''
          }${l.text}\n`,
      )
      .join('');
    if (options.limitBytes === undefined) return text;
    return Buffer.from(text).subarray(0, options.limitBytes).toString('utf8');
  }

  /** Binds every port; with `strict`, fails on a taken port instead of picking a free one. */
  async start(strict = false): Promise<void> {
    for (const port of this.ports.length ? this.ports : [8080]) {
      const server = http.createServer((req, res) => this.handle(req, res));
      server.keepAliveTimeout = 30000;
      server.on('connection', s => {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
      });
      const bound = await new Promise<number>((resolve, reject) => {
        const tryListen = (p: number) => {
          server.once('error', (err: NodeJS.ErrnoException) => {
            if (
              !strict &&
              p !== 0 &&
              (err.code === 'EADDRINUSE' || err.code === 'EACCES')
            )
              tryListen(0);
            else reject(err);
          });
          server.listen(p, this.ip, () =>
            resolve((server.address() as AddressInfo).port),
          );
        };
        tryListen(port);
      });
      this.boundPorts.set(port, bound);
      this.servers.push(server);
    }
  }

  /** The real port serving a containerPort. */
  portFor(containerPort: number | undefined): number | undefined {
    if (containerPort === undefined)
      return this.boundPorts.values().next().value;
    return this.boundPorts.get(containerPort);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all(
      this.servers.map(s => new Promise<void>(r => s.close(() => r()))),
    );
    this.servers.length = 0;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const path = (req.url ?? '/').split('?')[0];
    const v = this.view();
    if (path === '/metrics') {
      this.registry.metrics().then(text => {
        res.writeHead(200, { 'Content-Type': this.registry.contentType });
        res.end(text);
      });
      return;
    }
    if (['/health', '/healthz', '/ready', '/readyz', '/livez'].includes(path)) {
      res.writeHead(v.healthy ? 200 : 503, { 'Content-Type': 'text/plain' });
      res.end(v.healthy ? 'ok\n' : 'not ready\n');
      return;
    }
    const start = process.hrtime.bigint();
    const service = String(req.headers[SERVICE_HEADER] ?? '');
    const finish = () => {
      const fail = Math.random() < v.faults.errorRate;
      const code = fail ? v.faults.errorStatus : 200;
      const body = fail
        ? `Internal Server Error from ${v.greeting.replace(
            /^Hello from /,
            '',
          )} (injected)\n`
        : `${v.greeting}\n`;
      res.writeHead(code, {
        'Content-Type': !fail && /<h1>/.test(body) ? 'text/html' : 'text/plain',
        'X-Version': v.version,
        'X-Color': v.color,
      });
      res.end(body);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const labels = {
        color: v.color,
        version: v.version,
        status: String(code),
        service,
      };
      this.requests.inc(labels);
      this.duration.observe(labels, seconds);
      this.requestCount++;
      const access = `"${req.method} ${req.url} HTTP/1.1" ${code} ${
        body.length
      } service=${service || '-'}`;
      if (fail) {
        // What an application logs when it fails a request: the error and where it was thrown.
        this.log(`ERROR ${access}: injected fault`);
        this.log('    at handleRequest (/app/server.js:42:13)');
      } else if (this.requestCount % 50 === 1) {
        this.log(`INFO ${access}`);
      }
    };
    req.resume();
    if (v.faults.latencyMs > 0) setTimeout(finish, v.faults.latencyMs);
    else finish();
  }
}
