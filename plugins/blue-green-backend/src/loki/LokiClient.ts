import { LokiSettings } from '../decisions/logSignalSettings';

/**
 * Loki's HTTP API (`/loki/api/v1/query`), for one number: a LogQL metric query's sum over its
 * series. Like the Prometheus client, anything but an answer is an error with the reason.
 */
export class LokiClient {
  readonly #settings: LokiSettings;

  constructor(settings: LokiSettings) {
    this.#settings = settings;
  }

  /** The query's value at `time`: the sum of its series (0 when there is none: no lines). */
  async count(query: string, time: Date): Promise<number> {
    const { baseUrl, headers, timeoutMs } = this.#settings;
    const params = new URLSearchParams({
      query,
      // Nanoseconds since the epoch, Loki's own form.
      time: `${time.getTime()}000000`,
    });
    const url = `${baseUrl.replace(/\/+$/, '')}/loki/api/v1/query?${params}`;
    let response: Response;
    try {
      response = await fetch(url, {
        headers,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const reason =
        (error as Error)?.name === 'TimeoutError'
          ? `no answer within ${timeoutMs} ms`
          : String((error as any)?.cause?.code ?? (error as Error)?.message);
      throw new Error(`Loki at ${baseUrl} is unreachable: ${reason}`);
    }
    const text = await response.text();
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!response.ok || body?.status !== 'success' || !body.data) {
      throw new Error(
        `Loki at ${baseUrl} answered ${response.status}: ${
          body?.error ?? text.slice(0, 200)
        }`,
      );
    }
    const { resultType, result } = body.data;
    if (resultType === 'scalar') return Number(result[1]);
    if (resultType !== 'vector') {
      throw new Error(
        `Loki answered a ${resultType}; the query must be a metric query with one number per color, e.g. sum(count_over_time(...))`,
      );
    }
    return (result as any[]).reduce(
      (sum, r) => sum + (Number(r.value?.[1]) || 0),
      0,
    );
  }
}
