import { BlueGreenConfig } from '../config';

/** One series of an instant query: its labels and value (NaN and ±Inf are kept as numbers). */
export type Sample = { labels: Record<string, string>; value: number };

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
    await this.queryEach(
      cluster,
      query,
      (labels, value) => samples.push({ labels, value }),
      time,
    );
    return samples;
  }

  /**
   * An instant query whose series are handed to `each` (labels and value) as soon as the answer
   * is read, instead of being made into a list: for answers of many series, of which the caller
   * keeps less than a sample object each. A scalar is one series without labels.
   */
  async queryEach(
    cluster: string | undefined,
    query: string,
    each: (labels: Record<string, string>, value: number) => void,
    time?: Date,
  ): Promise<void> {
    const params = new URLSearchParams({ query });
    if (time) params.set('time', String(time.getTime() / 1000));
    const data = await this.#call(cluster, '/api/v1/query', params);
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
    const data = await this.#call(cluster, '/api/v1/query_range', params);
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

  async #call(
    cluster: string | undefined,
    path: string,
    params: URLSearchParams,
  ): Promise<{ resultType: string; result: any }> {
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
    let body: Envelope | undefined;
    try {
      body = (await response.json()) as Envelope;
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
  }
}
