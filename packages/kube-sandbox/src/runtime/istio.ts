/**
 * Istio HTTP routing as a sidecar would apply it for a request to a Service host:
 * first matching HTTPRoute, weighted destinations, DestinationRule subsets, mirroring
 * (istio/api networking/v1alpha3 virtual_service.proto and destination_rule.proto).
 */
import { KubeObject } from '../api/store';

export interface RouteRequest {
  host: string; // the Service name the request was sent to
  namespace: string;
  port: number;
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface Destination {
  host: string; // Service name (short) in the namespace
  namespace: string;
  subset?: string;
  subsetLabels?: Record<string, string>;
  port?: number;
}

export interface RouteDecision {
  virtualService: string;
  route?: string;
  destination?: Destination;
  mirror?: Destination;
  mirrorPercent?: number;
}

function shortHost(
  host: string,
  namespace: string,
): { name: string; namespace: string } {
  const parts = host.split('.');
  if (parts.length >= 2 && (parts.length === 2 || parts[2] === 'svc')) {
    return { name: parts[0], namespace: parts[1] };
  }
  return { name: parts[0], namespace };
}

/** The VirtualService (in the Service's namespace) that has this Service as a host. */
export function findVirtualService(
  vss: KubeObject[],
  service: string,
  namespace: string,
): KubeObject | undefined {
  const names = new Set([
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.cluster.local`,
  ]);
  return vss
    .filter(v => v.metadata.namespace === namespace)
    .sort((a, b) =>
      a.metadata.creationTimestamp! < b.metadata.creationTimestamp! ? -1 : 1,
    )
    .find(v => (v.spec?.hosts ?? []).some((h: string) => names.has(h)));
}

function stringMatch(m: any, value: string | undefined): boolean {
  if (!m || Object.keys(m).length === 0) return value !== undefined;
  if (value === undefined) return false;
  if (m.exact !== undefined) return value === m.exact;
  if (m.prefix !== undefined) return value.startsWith(m.prefix);
  if (m.regex !== undefined) return new RegExp(`^(?:${m.regex})$`).test(value);
  return true;
}

function header(req: RouteRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function matches(match: any, req: RouteRequest): boolean {
  for (const [name, m] of Object.entries<any>(match.headers ?? {})) {
    if (!stringMatch(m, header(req, name))) return false;
  }
  for (const [name, m] of Object.entries<any>(match.withoutHeaders ?? {})) {
    if (stringMatch(m, header(req, name))) return false;
  }
  if (match.uri && !stringMatch(match.uri, req.path)) return false;
  if (match.method && !stringMatch(match.method, req.method)) return false;
  if (match.port && match.port !== req.port) return false;
  return true;
}

function subsetLabels(
  drs: KubeObject[],
  host: string,
  namespace: string,
  subset: string | undefined,
) {
  if (!subset) return undefined;
  for (const dr of drs) {
    if (dr.metadata.namespace !== namespace) continue;
    const h = shortHost(dr.spec?.host ?? '', namespace);
    if (h.name !== host) continue;
    const s = (dr.spec?.subsets ?? []).find((x: any) => x.name === subset);
    if (s) return { ...(s.labels ?? {}) };
  }
  // A route to an undefined subset has no endpoints (Envoy answers 503).
  return { 'sandbox.bluegreen.dev/undefined-subset': subset };
}

function destination(
  d: any,
  req: RouteRequest,
  drs: KubeObject[],
): Destination | undefined {
  if (!d?.host) return undefined;
  const h = shortHost(d.host, req.namespace);
  return {
    host: h.name,
    namespace: h.namespace,
    subset: d.subset,
    subsetLabels: subsetLabels(drs, h.name, h.namespace, d.subset),
    port: d.port?.number,
  };
}

/** Decides where one request goes. `random` is injectable for tests. */
export function routeRequest(
  vs: KubeObject,
  drs: KubeObject[],
  req: RouteRequest,
  random: () => number = Math.random,
): RouteDecision {
  const decision: RouteDecision = { virtualService: vs.metadata.name };
  for (const route of vs.spec?.http ?? []) {
    const ms: any[] = route.match ?? [];
    if (ms.length && !ms.some(m => matches(m, req))) continue;
    decision.route = route.name;
    const dests: any[] = route.route ?? [];
    let chosen: any;
    if (dests.length === 1) chosen = dests[0];
    else if (dests.length > 1) {
      const total = dests.reduce((n, d) => n + (d.weight ?? 0), 0);
      if (total <= 0) chosen = dests[0];
      else {
        let r = random() * total;
        for (const d of dests) {
          r -= d.weight ?? 0;
          if (r < 0 && (d.weight ?? 0) > 0) {
            chosen = d;
            break;
          }
        }
        chosen ??= dests.filter(d => (d.weight ?? 0) > 0).pop();
      }
    }
    decision.destination = destination(chosen?.destination, req, drs);
    const mirrors: Array<{ destination: any; percent: number }> = [];
    if (route.mirror) {
      const pct = route.mirrorPercentage?.value ?? route.mirrorPercent ?? 100;
      mirrors.push({ destination: route.mirror, percent: Number(pct) });
    }
    for (const m of route.mirrors ?? []) {
      mirrors.push({
        destination: m.destination,
        percent: Number(m.percentage?.value ?? 100),
      });
    }
    const m = mirrors.find(x => random() * 100 < x.percent);
    if (m) {
      decision.mirror = destination(m.destination, req, drs);
      decision.mirrorPercent = m.percent;
    }
    return decision;
  }
  return decision;
}
