/**
 * The clusters the sandbox's conformance cases run against: the sandbox itself and a real
 * control plane (scripts/control-plane.sh). A case written against a KubeTarget holds both to the
 * same expectations; where they differ on purpose, the README's "Differences from a real cluster"
 * says why.
 */
import type http from 'node:http';
import { startSandbox, Sandbox, SandboxOptions } from '../sandbox';
import { ControlPlane, loadSeeds, startControlPlane } from '../controlPlane';
import { api as sandboxApi, httpGet } from './helpers';

export type ApiOptions = { contentType?: string; accept?: string };

export interface KubeTarget {
  name: 'sandbox' | 'control plane';
  kubeconfigPath: string;
  /** Where kubectl's cache and other files go. */
  dataDir: string;
  api(
    method: string,
    path: string,
    body?: unknown,
    options?: ApiOptions,
  ): Promise<{ status: number; json: any; text: string; headers: Headers }>;
  /** A watch (or any streamed answer), as a Node.js stream. */
  stream(
    path: string,
    signal: AbortSignal,
  ): Promise<http.IncomingMessage | NodeJS.ReadableStream>;
  /** GET / through a Service, as a client inside the cluster. */
  get(
    namespace: string,
    service: string,
  ): Promise<{ status: number; text: string }>;
  /** Set in the sandbox only: its internals. */
  sandbox?: Sandbox;
  /** Set on the control plane only. */
  plane?: ControlPlane;
  stop(): Promise<void>;
}

export const TARGETS = ['sandbox', 'control plane'] as const;

function parse(text: string) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export async function startTarget(
  name: KubeTarget['name'],
  sandboxOptions: SandboxOptions = {},
): Promise<KubeTarget> {
  if (name === 'sandbox') {
    const sandbox = await startSandbox(sandboxOptions);
    return {
      name,
      sandbox,
      kubeconfigPath: sandbox.kubeconfigPath,
      dataDir: sandbox.dataDir,
      api: async (method, path, body, options = {}) => {
        if (options.accept) {
          const res = await fetch(`${sandbox.url}${path}`, {
            method,
            headers: { Accept: options.accept },
          });
          const text = await res.text();
          return {
            status: res.status,
            json: parse(text),
            text,
            headers: res.headers,
          };
        }
        return sandboxApi(sandbox, method, path, body, options.contentType);
      },
      stream: async (path, signal) => {
        const res = await fetch(`${sandbox.url}${path}`, { signal });
        const { Readable } = await import('node:stream');
        return Readable.fromWeb(res.body as any);
      },
      get: async (namespace, service) => {
        const url = sandbox.serviceUrl(namespace, service);
        if (!url) throw new Error(`no address for ${namespace}/${service}`);
        return httpGet(url);
      },
      stop: () => sandbox.stop(),
    };
  }
  const plane = await startControlPlane({
    podReadyDelayMs: sandboxOptions.podReadyDelayMs,
  });
  // The sandbox's default scenario.
  if ((sandboxOptions.scenario ?? 'seeds') === 'seeds') {
    await loadSeeds(plane).catch(async e => {
      await plane.stop();
      throw e;
    });
  }
  return {
    name,
    plane,
    kubeconfigPath: plane.kubeconfigPath,
    dataDir: plane.dir,
    api: async (method, path, body, options = {}) => {
      const res = await plane.api.raw(method, path, body, options);
      return { ...res, json: parse(res.text) };
    },
    stream: (path, signal) =>
      plane.api.open('GET', path, undefined, { signal }),
    get: async (namespace, service) =>
      plane.fetchInCluster(await plane.serviceUrl(namespace, service)),
    stop: () => plane.stop(),
  };
}
