import { BlueGreenConfig } from '../config';

/** One series of an instant query: its labels and value (NaN and ±Inf are kept as numbers). */
export type Sample = { labels: Record<string, string>; value: number };

/** Reads an instant query's answer: `each` is called with every series' labels and value. */
export type EachSample = (
  each: (labels: Record<string, string>, value: number) => void,
) => void;

/** One series of a range query. */
export type Series = {
  labels: Record<string, string>;
  points: Array<[number, number]>;
};

/** Prometheus could not answer: down, slow, or it rejected the query. Checks become `unknown`. */
export class PrometheusError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PrometheusError';
  }
}

type Envelope = {
  status: 'success' | 'error';
  data?: { resultType: string; result: any };
  errorType?: string;
  error?: string;
};

/**
 * Prometheus' HTTP API (`/api/v1/query`, `/api/v1/query_range`), per cluster. Values arrive as
 * strings ("NaN" included) and are parsed here; anything else is a PrometheusError.
 */
export class PrometheusClient {
  readonly #config: NonNullable<BlueGreenConfig['prometheus']> | undefined;

  constructor(config: BlueGreenConfig['prometheus']) {
    this.#config = config;
  }

  /** The Prometheus that holds a cluster's metrics, or undefined when none is configured. */
  urlFor(cluster: string | undefined): string | undefined {
    if (!this.#config) return undefined;
    return (
      (cluster !== undefined ? this.#config.clusters[cluster] : undefined) ||
      this.#config.url ||
      undefined
    );
  }

  async query(
    cluster: string | undefined,
    query: string,
    time?: Date,
  ): Promise<Sample[]> {
    const samples: Sample[] = [];
    (await this.#instant(cluster, query, time))((labels, value) =>
      samples.push({ labels, value }),
    );
    return samples;
  }

  /**
   * An instant query answered now and parsed when the returned function is called, which hands
   * each series' labels and value to `each`: a large answer waits as bytes, outside the
   * JavaScript heap, while other work goes on, and becomes no list of samples. The function
   * throws what {@link PrometheusClient.query} would.
   */
  queryLater(cluster: string | undefined, query: string): Promise<EachSample> {
    return this.#instant(cluster, query);
  }

  async #instant(
    cluster: string | undefined,
    query: string,
    time?: Date,
  ): Promise<EachSample> {
    const params = new URLSearchParams({ query });
    if (time) params.set('time', String(time.getTime() / 1000));
    const answer = await this.#call(cluster, '/api/v1/query', params);
    return each => {
      const data = answer();
      if (data.resultType === 'scalar') {
        each({}, Number(data.result[1]));
        return;
      }
      if (data.resultType !== 'vector') {
        throw new PrometheusError(
          `expected a vector from "${query}", got ${data.resultType}`,
        );
      }
      for (const r of data.result as any[]) {
        each(r.metric ?? {}, Number(r.value?.[1]));
      }
    };
  }

  async queryRange(
    cluster: string | undefined,
    query: string,
    range: { start: Date; end: Date; stepSeconds: number },
  ): Promise<Series[]> {
    const params = new URLSearchParams({
      query,
      start: String(range.start.getTime() / 1000),
      end: String(range.end.getTime() / 1000),
      step: String(range.stepSeconds),
    });
    const data = (await this.#call(cluster, '/api/v1/query_range', params))();
    if (data.resultType !== 'matrix') {
      throw new PrometheusError(
        `expected a matrix from "${query}", got ${data.resultType}`,
      );
    }
    return (data.result as any[]).map(r => ({
      labels: r.metric ?? {},
      points: (r.values ?? []).map(
        ([t, v]: [number, string]) => [t, Number(v)] as [number, number],
      ),
    }));
  }

  /**
   * Sends a request and reads the whole answer; the answer is parsed, and a failure thrown, when
   * the returned function is called (at once for an answer that is not 200).
   */
  async #call(
    cluster: string | undefined,
    path: string,
    params: URLSearchParams,
  ): Promise<() => { resultType: string; result: any }> {
    const base = this.urlFor(cluster);
    if (!base) {
      throw new PrometheusError(
        'no Prometheus is configured (blueGreen.prometheus.url)',
      );
    }
    const url = `${base.replace(/\/+$/, '')}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          ...this.#config!.headers,
        },
        body: params,
        signal: AbortSignal.timeout(this.#config!.timeoutMs),
      });
    } catch (error) {
      const reason =
        (error as Error)?.name === 'TimeoutError'
          ? `no answer within ${this.#config!.timeoutMs} ms`
          : String((error as any)?.cause?.code ?? (error as Error)?.message);
      throw new PrometheusError(
        `Prometheus at ${base} is unreachable: ${reason}`,
      );
    }
    const bytes = await response.arrayBuffer().catch(() => undefined);
    const data = () => {
      let body: Envelope | undefined;
      try {
        body = JSON.parse(new TextDecoder().decode(bytes)) as Envelope;
      } catch {
        body = undefined;
      }
      if (!response.ok || body?.status !== 'success' || !body.data) {
        throw new PrometheusError(
          `Prometheus at ${base} answered ${response.status}${
            body?.error ? `: ${body.errorType ?? 'error'}: ${body.error}` : ''
          }`,
        );
      }
      return body.data;
    };
    if (!response.ok) data();
    return data;
  }
}
