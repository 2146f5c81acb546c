/**
 * The sandbox's data plane: a real loopback listener per Service port (on its ClusterIP
 * from 127.2.0.0/16) that forwards each request to a ready endpoint — through the Istio
 * VirtualService for that host when there is one — plus the API server's service and pod
 * proxy subresources and a per-Service load generator.
 */
import http from 'http';
import { AddressInfo, Socket } from 'net';
import { KubeObject, StoreEvent } from '../api/store';
import { Cluster } from '../controllers/cluster';
import { Kubelet } from '../controllers/kubelet';
import { resolveTargetPort } from '../controllers/endpoints';
import { findVirtualService, routeRequest, RouteDecision } from './istio';
import { SERVICE_HEADER } from './podProcess';
import { ProxyTarget } from '../api/server';
import { matchesMap } from '../api/selectors';

export const LOOPBACK_ANNOTATION = 'sandbox.bluegreen.dev/loopback';
export const TRAFFIC_RPS_ANNOTATION = 'sandbox.bluegreen.dev/traffic-rps';

export interface Backend {
  namespace: string;
  pod: string;
  ip: string;
  port: number;
}

interface Listener {
  server: http.Server;
  ip: string;
  port: number;
  servicePort: number;
}

export class Network {
  private readonly listeners = new Map<string, Listener[]>();
  private readonly sockets = new Set<Socket>();
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  private readonly rr = new Map<string, number>();
  private loadTimer?: NodeJS.Timeout;
  private readonly credit = new Map<string, number>();
  private inFlight = 0;
  private stopped = false;
  /** Requests the load generator sent, for tests and the CLI. */
  generated = 0;

  constructor(
    private readonly cluster: Cluster,
    private readonly kubelet: Kubelet,
  ) {
    if (cluster.options.listeners) {
      cluster.subscribe(e => this.onEvent(e));
    }
  }

  private onEvent(e: StoreEvent) {
    if (e.typeKey !== 'services') return;
    const key = `${e.obj.metadata.namespace}/${e.obj.metadata.name}`;
    if (e.type === 'DELETED') {
      this.close(key);
      return;
    }
    const before = e.prev
      ? JSON.stringify([e.prev.spec?.clusterIP, e.prev.spec?.ports])
      : '';
    const after = JSON.stringify([e.obj.spec?.clusterIP, e.obj.spec?.ports]);
    if (before !== after || !this.listeners.has(key)) {
      setImmediate(() => this.sync(key));
    }
  }

  private close(key: string) {
    for (const l of this.listeners.get(key) ?? []) l.server.close();
    this.listeners.delete(key);
  }

  private async sync(key: string) {
    if (this.stopped) return;
    const [ns, name] = [
      key.slice(0, key.indexOf('/')),
      key.slice(key.indexOf('/') + 1),
    ];
    const svc = this.cluster.store.peek('services', ns, name)?.obj;
    if (!svc) return;
    const ip = svc.spec?.clusterIP;
    const ports: any[] = (svc.spec?.ports ?? []).filter(
      (p: any) => (p.protocol ?? 'TCP') === 'TCP',
    );
    const current = this.listeners.get(key) ?? [];
    const wanted = JSON.stringify([ip, ports.map(p => p.port)]);
    const have = JSON.stringify([
      current[0]?.ip,
      current.map(l => l.servicePort),
    ]);
    if (!ip || ip === 'None' || wanted === have) return;
    this.close(key);
    const created: Listener[] = [];
    this.listeners.set(key, created);
    for (const p of ports) {
      const server = http.createServer((req, res) =>
        this.handle(ns, name, p.port, req, res),
      );
      server.keepAliveTimeout = 30000;
      server.on('connection', s => {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
      });
      const bound = await new Promise<number>(resolve => {
        const attempt = (port: number) => {
          server.once('error', () => (port !== 0 ? attempt(0) : resolve(-1)));
          server.listen(port, ip, () =>
            resolve((server.address() as AddressInfo).port),
          );
        };
        attempt(p.port);
      });
      if (bound > 0)
        created.push({ server, ip, port: bound, servicePort: p.port });
    }
    if (this.stopped || this.listeners.get(key) !== created) {
      for (const l of created) l.server.close();
      return;
    }
    const value = created.map(l => `${l.ip}:${l.port}`).join(',');
    const cur = this.cluster.store.peek('services', ns, name)?.obj;
    if (cur && cur.metadata.annotations?.[LOOPBACK_ANNOTATION] !== value) {
      this.cluster.api.update(this.cluster.type('services'), ns, name, o => {
        o.metadata.annotations = {
          ...(o.metadata.annotations ?? {}),
          [LOOPBACK_ANNOTATION]: value,
        };
        return o;
      });
    }
    if (cur?.spec?.type === 'LoadBalancer') {
      this.cluster.api.update(
        this.cluster.type('services'),
        ns,
        name,
        o => {
          o.status = { loadBalancer: { ingress: [{ ip, ipMode: 'VIP' }] } };
          return o;
        },
        { subresource: 'status' },
      );
    }
  }

  /** `http://ip:port` of a Service's loopback listener (first port unless given). */
  serviceUrl(ns: string, name: string, port?: number): string | undefined {
    const ls = this.listeners.get(`${ns}/${name}`) ?? [];
    const l = port === undefined ? ls[0] : ls.find(x => x.servicePort === port);
    return l ? `http://${l.ip}:${l.port}` : undefined;
  }

  serviceAddresses(): Array<{
    namespace: string;
    name: string;
    port: number;
    url: string;
  }> {
    const out = [];
    for (const [key, ls] of this.listeners) {
      const [ns, name] = [
        key.slice(0, key.indexOf('/')),
        key.slice(key.indexOf('/') + 1),
      ];
      for (const l of ls)
        out.push({
          namespace: ns,
          name,
          port: l.servicePort,
          url: `http://${l.ip}:${l.port}`,
        });
    }
    return out.sort((a, b) =>
      `${a.namespace}/${a.name}` < `${b.namespace}/${b.name}` ? -1 : 1,
    );
  }

  /** Ready endpoints of a Service port, optionally restricted to pods with these labels. */
  endpoints(
    ns: string,
    name: string,
    servicePort?: number,
    subsetLabels?: Record<string, string>,
  ): Backend[] {
    const c = this.cluster;
    const svc = c.store.peek('services', ns, name)?.obj;
    const ep = c.store.peek('endpoints', ns, name)?.obj;
    if (!svc || !ep) return [];
    const sp =
      (svc.spec?.ports ?? []).find(
        (p: any) => servicePort === undefined || p.port === servicePort,
      ) ?? svc.spec?.ports?.[0];
    const out: Backend[] = [];
    for (const subset of ep.subsets ?? []) {
      for (const a of subset.addresses ?? []) {
        const podName = a.targetRef?.name;
        const pod = podName
          ? c.store.peek('pods', ns, podName)?.obj
          : undefined;
        if (!pod) continue;
        if (subsetLabels && !matchesMap(subsetLabels, pod.metadata.labels))
          continue;
        const target = sp ? resolveTargetPort(sp, pod) : undefined;
        const port = this.kubelet.process(ns, podName)?.portFor(target);
        if (port) out.push({ namespace: ns, pod: podName, ip: a.ip, port });
      }
    }
    return out;
  }

  private pick(key: string, backends: Backend[]): Backend | undefined {
    if (!backends.length) return undefined;
    const i = (this.rr.get(key) ?? 0) % backends.length;
    this.rr.set(key, i + 1);
    return backends[i];
  }

  /** Where a request to a Service goes: its VirtualService's decision, or its own endpoints. */
  route(
    ns: string,
    name: string,
    port: number,
    req: http.IncomingMessage,
  ): {
    primary?: Backend;
    mirror?: Backend;
    decision?: RouteDecision;
    service: string;
  } {
    const c = this.cluster;
    const vs = findVirtualService(
      c.store.objects('virtualservices.networking.istio.io', ns),
      name,
      ns,
    );
    if (!vs) {
      return {
        primary: this.pick(`${ns}/${name}`, this.endpoints(ns, name, port)),
        service: name,
      };
    }
    const decision = routeRequest(
      vs,
      c.store.objects('destinationrules.networking.istio.io'),
      {
        host: name,
        namespace: ns,
        port,
        method: req.method ?? 'GET',
        path: (req.url ?? '/').split('?')[0],
        headers: req.headers,
      },
    );
    const resolve = (d: RouteDecision['destination']) => {
      if (!d) return undefined;
      const key = `${d.namespace}/${d.host}/${d.subset ?? ''}`;
      return this.pick(
        key,
        this.endpoints(d.namespace, d.host, d.port ?? port, d.subsetLabels),
      );
    };
    return {
      primary: resolve(decision.destination),
      mirror: resolve(decision.mirror),
      decision,
      service: decision.destination?.host ?? name,
    };
  }

  private handle(
    ns: string,
    name: string,
    port: number,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ) {
    const r = this.route(ns, name, port, req);
    if (r.mirror) {
      // Fire and forget, like Envoy's shadowing; the Host gets a -shadow suffix.
      const m = http.request({
        host: r.mirror.ip,
        port: r.mirror.port,
        method: req.method,
        path: req.url,
        agent: this.agent,
        headers: {
          ...req.headers,
          host: `${name}-shadow`,
          [SERVICE_HEADER]: r.service,
          'x-sandbox-mirror': 'true',
        },
      });
      m.on('response', mr => mr.resume());
      m.on('error', () => undefined);
      m.end();
    }
    if (!r.primary) {
      res.writeHead(503, { 'Content-Type': 'text/plain' });
      res.end(
        r.decision
          ? 'no healthy upstream\n'
          : `no endpoints available for service "${name}"\n`,
      );
      req.resume();
      return;
    }
    this.forward(r.primary, req.url ?? '/', req, res, {
      [SERVICE_HEADER]: r.service,
    });
  }

  forward(
    b: Backend,
    path: string,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    extra: Record<string, string> = {},
  ) {
    const headers = { ...req.headers, ...extra };
    delete headers.authorization;
    const up = http.request(
      {
        host: b.ip,
        port: b.port,
        method: req.method,
        path,
        headers,
        agent: this.agent,
      },
      upRes => {
        res.writeHead(upRes.statusCode ?? 502, {
          ...upRes.headers,
          'x-sandbox-pod': b.pod,
        });
        upRes.pipe(res);
      },
    );
    up.on('error', err => {
      if (!res.headersSent) {
        res.writeHead(502, { 'Content-Type': 'text/plain' });
        res.end(`upstream connect error: ${err.message}\n`);
      } else res.destroy();
    });
    req.pipe(up);
  }

  /** The API server's `services/NAME[:PORT]/proxy` and `pods/NAME[:PORT]/proxy`. */
  async apiProxy(
    target: ProxyTarget,
    path: string,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ) {
    const c = this.cluster;
    const sendStatus = (code: number, reason: string, message: string) => {
      const body = JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message,
        reason,
        code,
      });
      res.writeHead(code, { 'Content-Type': 'application/json' });
      res.end(body);
      req.resume();
    };
    if (target.kind === 'service') {
      const svc = c.store.peek('services', target.namespace, target.name)!.obj;
      const ports: any[] = svc.spec?.ports ?? [];
      const sp =
        target.port === undefined
          ? ports[0]
          : ports.find(
              p => p.name === target.port || String(p.port) === target.port,
            );
      if (!sp) {
        sendStatus(
          503,
          'ServiceUnavailable',
          `no endpoints available for service "${target.name}"`,
        );
        return;
      }
      // kube-apiserver picks an endpoint itself: no Istio routing on this path.
      const b = this.pick(
        `proxy/${target.namespace}/${target.name}`,
        this.endpoints(target.namespace, target.name, sp.port),
      );
      if (!b) {
        sendStatus(
          503,
          'ServiceUnavailable',
          `no endpoints available for service "${target.name}"`,
        );
        return;
      }
      this.forward(b, path, req, res);
      return;
    }
    const pod = c.store.peek('pods', target.namespace, target.name)!.obj;
    let containerPort: number | undefined;
    if (target.port !== undefined) {
      containerPort = /^\d+$/.test(target.port)
        ? Number(target.port)
        : undefined;
      if (containerPort === undefined) {
        for (const ct of pod.spec?.containers ?? [])
          for (const p of ct.ports ?? [])
            if (p.name === target.port) containerPort = p.containerPort;
      }
    }
    const proc = this.kubelet.process(target.namespace, target.name);
    const port = proc?.portFor(containerPort);
    const ip = this.kubelet.podIp(target.namespace, target.name);
    if (!proc || !port || !ip) {
      sendStatus(
        503,
        'ServiceUnavailable',
        `error trying to reach service: dial tcp ${pod.status?.podIP ?? ''}:${
          containerPort ?? 80
        }: connect: connection refused`,
      );
      return;
    }
    this.forward(
      { namespace: target.namespace, pod: target.name, ip, port },
      path,
      req,
      res,
    );
  }

  /** Starts the built-in load generator: `rps` requests per second to each Service. */
  startLoad(rps: number) {
    const tickMs = 100;
    this.loadTimer = setInterval(() => {
      if (this.stopped) return;
      for (const [key, ls] of this.listeners) {
        const l = ls[0];
        if (!l) continue;
        const [ns, name] = [
          key.slice(0, key.indexOf('/')),
          key.slice(key.indexOf('/') + 1),
        ];
        const svc: KubeObject | undefined = this.cluster.store.peek(
          'services',
          ns,
          name,
        )?.obj;
        if (!svc?.spec?.selector) continue;
        const own = Number(svc.metadata.annotations?.[TRAFFIC_RPS_ANNOTATION]);
        const rate = Number.isFinite(own) ? own : rps;
        const credit = (this.credit.get(key) ?? 0) + (rate * tickMs) / 1000;
        const n = Math.floor(credit);
        this.credit.set(key, credit - n);
        for (let i = 0; i < n; i++) {
          if (this.inFlight > 500) break;
          this.inFlight++;
          this.generated++;
          const r = http.get(
            {
              host: l.ip,
              port: l.port,
              path: '/',
              agent: this.agent,
              headers: { 'user-agent': 'sandbox-load-generator' },
            },
            resp => {
              resp.resume();
              resp.on('end', () => this.inFlight--);
            },
          );
          r.on('error', () => this.inFlight--);
        }
      }
    }, tickMs);
  }

  async stop() {
    this.stopped = true;
    if (this.loadTimer) clearInterval(this.loadTimer);
    for (const s of this.sockets) s.destroy();
    const servers = [...this.listeners.values()].flat().map(l => l.server);
    this.listeners.clear();
    await Promise.all(
      servers.map(s => new Promise<void>(r => s.close(() => r()))),
    );
    this.agent.destroy();
  }
}
