/**
 * kube-proxy (and an Istio sidecar's HTTP routing) for a real control plane: every Service's
 * ClusterIP:port is a real HTTP listener in the control plane's network, forwarding to a ready
 * endpoint from the EndpointSlices the real EndpointSlice controller writes. A Service that is a
 * host of a VirtualService follows its routes and DestinationRule subsets, with the sandbox's
 * routing (runtime/istio.ts).
 */
import http from 'node:http';
import type { ListWatch } from '@kubernetes/client-node';
import type { KubeObject } from '../api/store';
import { findVirtualService, routeRequest } from '../runtime/istio';
import { SERVICE_HEADER } from '../runtime/podProcess';
import { KubeApi, Obj } from './kubeApi';

type Backend = { ip: string; port: number };

const matchesLabels = (
  want: Record<string, string>,
  have?: Record<string, string>,
) => Object.entries(want).every(([k, v]) => have?.[k] === v);

export class ServiceProxy {
  private readonly listeners = new Map<string, http.Server>();
  private readonly informers: ListWatch<Obj>[] = [];
  private readonly agent = new http.Agent({ keepAlive: true });
  private services!: ListWatch<Obj>;
  private slices!: ListWatch<Obj>;
  private pods!: ListWatch<Obj>;
  private virtualServices!: ListWatch<Obj>;
  private destinationRules!: ListWatch<Obj>;
  private round = 0;
  private stopped = false;

  constructor(private readonly api: KubeApi) {}

  async start() {
    this.services = this.watch('/api/v1/services');
    this.slices = this.watch('/apis/discovery.k8s.io/v1/endpointslices');
    this.pods = this.watch('/api/v1/pods');
    this.virtualServices = this.watch(
      '/apis/networking.istio.io/v1/virtualservices',
    );
    this.destinationRules = this.watch(
      '/apis/networking.istio.io/v1/destinationrules',
    );
    this.services.on('add', s => this.sync(s));
    this.services.on('update', s => this.sync(s));
    this.services.on('delete', s => this.close(s));
    await Promise.all(this.informers.map(i => this.run(i)));
  }

  async stop() {
    this.stopped = true;
    await Promise.all(this.informers.map(i => i.stop()));
    await Promise.all(
      [...this.listeners.values()].map(
        s => new Promise(r => s.close(r).closeAllConnections()),
      ),
    );
    this.agent.destroy();
  }

  private watch(path: string) {
    const informer = this.api.informer<Obj>(path);
    this.informers.push(informer);
    return informer;
  }

  private async run(informer: ListWatch<Obj>) {
    try {
      await informer.start();
    } catch {
      if (!this.stopped) setTimeout(() => this.run(informer), 1000);
    }
  }

  private sync(service: Obj) {
    const ip = service.spec?.clusterIP;
    if (!ip || ip === 'None') return;
    for (const port of service.spec.ports ?? []) {
      if ((port.protocol ?? 'TCP') !== 'TCP') continue;
      const k = `${ip}:${port.port}`;
      if (this.listeners.has(k)) continue;
      const ns = service.metadata.namespace!;
      const name = service.metadata.name;
      const server = http.createServer((req, res) =>
        this.handle(ns, name, port.port, req, res),
      );
      this.listeners.set(k, server);
      server.on('error', () => this.listeners.delete(k));
      server.listen(port.port, ip);
    }
  }

  private close(service: Obj) {
    for (const port of service.spec?.ports ?? []) {
      const k = `${service.spec.clusterIP}:${port.port}`;
      this.listeners.get(k)?.close().closeAllConnections();
      this.listeners.delete(k);
    }
  }

  /** Ready endpoints of a Service port, optionally only pods with these labels. */
  private endpoints(
    ns: string,
    name: string,
    servicePort: number | undefined,
    subsetLabels?: Record<string, string>,
  ): Backend[] {
    const service = this.services.get(name, ns);
    const sp =
      (service?.spec?.ports ?? []).find((p: any) => p.port === servicePort) ??
      service?.spec?.ports?.[0];
    const out: Backend[] = [];
    for (const slice of this.slices.list(ns)) {
      if (slice.metadata.labels?.['kubernetes.io/service-name'] !== name)
        continue;
      const port = (slice.ports ?? []).find(
        (p: any) => (p.name ?? '') === (sp?.name ?? ''),
      );
      if (!port?.port) continue;
      for (const e of slice.endpoints ?? []) {
        if (e.conditions?.ready === false) continue;
        if (subsetLabels) {
          const pod = e.targetRef?.name && this.pods.get(e.targetRef.name, ns);
          if (!pod || !matchesLabels(subsetLabels, pod.metadata.labels))
            continue;
        }
        for (const ip of e.addresses ?? []) out.push({ ip, port: port.port });
      }
    }
    return out;
  }

  private pick(backends: Backend[]) {
    return backends.length
      ? backends[this.round++ % backends.length]
      : undefined;
  }

  private handle(
    ns: string,
    name: string,
    port: number,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ) {
    const vs = findVirtualService(
      this.virtualServices.list(ns) as KubeObject[],
      name,
      ns,
    );
    let target: Backend | undefined;
    let service = name;
    if (vs) {
      const decision = routeRequest(
        vs,
        this.destinationRules.list() as KubeObject[],
        {
          host: name,
          namespace: ns,
          port,
          method: req.method ?? 'GET',
          path: (req.url ?? '/').split('?')[0],
          headers: req.headers,
        },
      );
      const d = decision.destination;
      if (d) {
        service = d.host;
        target = this.pick(
          this.endpoints(d.namespace, d.host, d.port ?? port, d.subsetLabels),
        );
      }
    } else {
      target = this.pick(this.endpoints(ns, name, port));
    }
    if (!target) {
      req.resume();
      res.writeHead(503, { 'Content-Type': 'text/plain' });
      res.end(
        vs
          ? 'no healthy upstream\n'
          : `no endpoints available for service "${name}"\n`,
      );
      return;
    }
    const upstream = http.request(
      {
        host: target.ip,
        port: target.port,
        method: req.method,
        path: req.url,
        agent: this.agent,
        headers: { ...req.headers, [SERVICE_HEADER]: service },
      },
      up => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', e => {
      if (!res.headersSent)
        res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end(`upstream connect error: ${e.message}\n`);
    });
    req.pipe(upstream);
  }
}
