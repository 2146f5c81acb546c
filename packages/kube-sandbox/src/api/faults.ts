/**
 * Programmatic fault mode for the API server itself (not for pods): 5xx answers, hung
 * requests, dropped connections (before the request is handled, or after it was applied —
 * the answer is lost), 409 storms and added latency, filtered by method, verb and path,
 * applied with a probability and/or a maximum count.
 */

export type FaultKind =
  | 'error'
  | 'timeout'
  | 'drop'
  | 'lost-answer'
  | 'conflict'
  | 'latency';

export interface FaultRule {
  kind: FaultKind;
  /** HTTP methods (GET, PATCH, …); any when absent. */
  method?: string | string[];
  /** Kubernetes verbs (get, list, watch, create, update, patch, delete, deletecollection, proxy). */
  verb?: string | string[];
  /** Substring of, or RegExp on, the request path (without query). */
  path?: string | RegExp;
  /** Resource plural (e.g. `services`) the request targets. */
  resource?: string;
  /** Chance (0..1) that a matching request is hit; default 1. */
  probability?: number;
  /** Hit at most this many requests, then the rule is spent; default unlimited. */
  count?: number;
  /** `error`: the HTTP status (default 500; 429 and 503 carry Retry-After). */
  status?: number;
  /** `timeout`: how long the request hangs before a 504 (default 60000 ms); `latency`: delay before normal handling. */
  delayMs?: number;
}

export interface FaultState extends FaultRule {
  id: number;
  hits: number;
}

export interface RequestInfo {
  method: string;
  path: string;
  verb: string;
  resource?: string;
}

/** The switch exposed as `sandbox.faults`. */
export class ApiFaults {
  private rules: FaultState[] = [];
  private nextId = 1;
  private random: () => number = Math.random;

  /** Replaces all rules. */
  set(rules: FaultRule | FaultRule[]): number[] {
    this.rules = [];
    return (Array.isArray(rules) ? rules : [rules]).map(r => this.add(r));
  }

  /** Adds a rule; returns its id. */
  add(rule: FaultRule): number {
    const id = this.nextId++;
    this.rules.push({ ...rule, id, hits: 0 });
    return id;
  }

  remove(id: number) {
    this.rules = this.rules.filter(r => r.id !== id);
  }

  clear() {
    this.rules = [];
  }

  list(): FaultState[] {
    return this.rules.map(r => ({ ...r }));
  }

  /** For deterministic tests. */
  setRandom(fn: () => number) {
    this.random = fn;
  }

  /** The rule that hits this request, if any (and counts the hit). */
  match(req: RequestInfo): FaultState | undefined {
    for (const r of this.rules) {
      if (r.count !== undefined && r.hits >= r.count) continue;
      if (
        r.method &&
        !list(r.method)
          .map(m => m.toUpperCase())
          .includes(req.method)
      )
        continue;
      if (r.verb && !list(r.verb).includes(req.verb)) continue;
      if (r.resource && r.resource !== req.resource) continue;
      if (r.path) {
        const ok =
          typeof r.path === 'string'
            ? req.path.includes(r.path)
            : r.path.test(req.path);
        if (!ok) continue;
      }
      if (r.probability !== undefined && this.random() >= r.probability)
        continue;
      r.hits++;
      return r;
    }
    return undefined;
  }
}

function list<T>(v: T | T[]): T[] {
  return Array.isArray(v) ? v : [v];
}
