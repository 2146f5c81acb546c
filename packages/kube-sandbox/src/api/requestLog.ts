/**
 * Every request the API server received, in order, so tests can assert what a client did to the
 * cluster ("no write", "one PATCH of the Service") by observation instead of by assumption.
 */
import { RequestInfo } from './faults';

export interface LoggedRequest extends RequestInfo {
  /** 1, 2, 3, … in arrival order; {@link ApiRequestLog.mark} returns the latest. */
  seq: number;
  /** Query string without the `?`, e.g. `labelSelector=app%3Dmy-app`. */
  query: string;
  /** HTTP status of the answer; absent while the request runs or when the connection was dropped. */
  status?: number;
}

/** Methods that never change cluster state. */
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The log exposed as `sandbox.requests`. */
export class ApiRequestLog {
  private entries: LoggedRequest[] = [];
  private seq = 0;

  /** Keeps the newest `limit` requests; older ones are dropped (their numbers are not reused). */
  constructor(private readonly limit = 10_000) {}

  record(info: RequestInfo & { query?: string }): LoggedRequest {
    const entry: LoggedRequest = {
      ...info,
      query: info.query ?? '',
      seq: ++this.seq,
    };
    this.entries.push(entry);
    if (this.entries.length > this.limit) {
      this.entries.splice(0, this.entries.length - this.limit);
    }
    return entry;
  }

  /** The number of the latest request: pass it to {@link list} or {@link mutating} as `since`. */
  mark(): number {
    return this.seq;
  }

  /** Requests received after `since` (all kept ones by default). */
  list(since = 0): LoggedRequest[] {
    return this.entries.filter(e => e.seq > since).map(e => ({ ...e }));
  }

  /** Requests after `since` whose method can change state (POST, PUT, PATCH, DELETE, …). */
  mutating(since = 0): LoggedRequest[] {
    return this.list(since).filter(e => !READ_METHODS.has(e.method));
  }

  clear() {
    this.entries = [];
  }
}
