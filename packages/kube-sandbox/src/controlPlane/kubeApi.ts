/**
 * The stand-ins' way to a real kube-apiserver: kubeconfig loading, TLS and informers come from
 * @kubernetes/client-node (ESM-only, so loaded with a dynamic import); plain requests go through
 * node:https with the TLS options the kubeconfig gives.
 */
import http from 'node:http';
import https from 'node:https';
import type {
  KubeConfig,
  KubernetesObject,
  ListWatch,
} from '@kubernetes/client-node';

export type Obj = KubernetesObject & {
  metadata: NonNullable<KubernetesObject['metadata']> & {
    name: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
  spec?: any;
  status?: any;
  [key: string]: any;
};

export type ApiAnswer = { status: number; body: any };

export class KubeApi {
  private constructor(
    private readonly kc: KubeConfig,
    private readonly k8s: typeof import('@kubernetes/client-node'),
    readonly server: string,
  ) {}

  static async fromKubeconfig(file: string): Promise<KubeApi> {
    const k8s = await import('@kubernetes/client-node');
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(file);
    const server = kc.getCurrentCluster()?.server;
    if (!server) throw new Error(`${file} names no cluster server`);
    return new KubeApi(kc, k8s, server);
  }

  /** One API request; `body` is sent as is when it is a string, else as JSON. */
  async raw(
    method: string,
    path: string,
    body?: unknown,
    options: { contentType?: string; accept?: string } = {},
  ): Promise<{ status: number; text: string; headers: Headers }> {
    const res = await this.open(method, path, body, options);
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk);
    const headers = new Headers();
    for (const [k, v] of Object.entries(res.headers)) {
      if (typeof v === 'string') headers.set(k, v);
    }
    return {
      status: res.statusCode ?? 0,
      text: Buffer.concat(chunks).toString('utf8'),
      headers,
    };
  }

  /** The answer as a stream (a watch: one JSON event per line). */
  async open(
    method: string,
    path: string,
    body?: unknown,
    options: {
      contentType?: string;
      accept?: string;
      signal?: AbortSignal;
    } = {},
  ): Promise<http.IncomingMessage> {
    const url = new URL(path, this.server);
    const payload =
      body === undefined || typeof body === 'string'
        ? body
        : JSON.stringify(body);
    const request: https.RequestOptions = {
      method,
      hostname: url.hostname,
      port: url.port,
      path: `${url.pathname}${url.search}`,
      signal: options.signal,
      headers: {
        Accept: options.accept ?? 'application/json',
        ...(payload !== undefined && {
          'Content-Type': options.contentType ?? 'application/json',
          // Node.js sends a DELETE body unchunked: without a length the server reads none.
          'Content-Length': Buffer.byteLength(payload),
        }),
      },
    };
    await this.kc.applyToHTTPSOptions(request);
    return new Promise((resolve, reject) => {
      const req = https.request(request, resolve);
      req.on('error', reject);
      req.end(payload);
    });
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<ApiAnswer> {
    const res = await this.raw(method, path, body, { contentType });
    let parsed: any = res.text;
    try {
      parsed = JSON.parse(res.text);
    } catch {
      // Not JSON (e.g. /readyz): keep the text.
    }
    return { status: res.status, body: parsed };
  }

  /** Like request, but a non-2xx answer is an error naming the call and the server's message. */
  async call(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<any> {
    const res = await this.request(method, path, body, contentType);
    if (res.status < 200 || res.status >= 300) {
      const message = res.body?.message ?? JSON.stringify(res.body);
      throw Object.assign(
        new Error(`${method} ${path}: ${res.status} ${message}`),
        { status: res.status },
      );
    }
    return res.body;
  }

  /**
   * A list+watch cache of `path` (e.g. /api/v1/pods), restarted after a failed watch or list as
   * client-go's reflector does.
   */
  informer<T extends Obj>(
    path: string,
    options: { fieldSelector?: string; labelSelector?: string } = {},
  ): ListWatch<T> {
    const query = new URLSearchParams();
    if (options.fieldSelector)
      query.set('fieldSelector', options.fieldSelector);
    if (options.labelSelector)
      query.set('labelSelector', options.labelSelector);
    const list = () =>
      this.call('GET', `${path}${query.size ? `?${query}` : ''}`);
    const informer = new this.k8s.ListWatch<T>(
      path,
      new this.k8s.Watch(this.kc),
      list,
      false,
      options.labelSelector,
      options.fieldSelector,
    );
    let stopped = false;
    informer.on('error', () => {
      if (!stopped) setTimeout(() => !stopped && informer.start(), 500);
    });
    const stop = informer.stop.bind(informer);
    informer.stop = async () => {
      stopped = true;
      await stop();
    };
    return informer;
  }
}
