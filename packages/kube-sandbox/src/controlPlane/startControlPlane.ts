/**
 * startControlPlane: runs scripts/control-plane.sh (real etcd, kube-apiserver,
 * kube-controller-manager and Argo Rollouts controller, with the node stand-in) for a test, and
 * gives what a test needs to talk to it.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { KubeApi } from './kubeApi';

// The package runs from source (node-library, not bundled): the repository is three folders up.
// eslint-disable-next-line no-restricted-syntax
const REPO = path.resolve(__dirname, '..', '..', '..', '..');
export const CONTROL_PLANE_SCRIPT = path.join(
  REPO,
  'scripts',
  'control-plane.sh',
);

export type ControlPlane = {
  dir: string;
  /** Admin kubeconfig (client certificate of system:masters). */
  kubeconfigPath: string;
  /** https://127.0.0.1:PORT */
  server: string;
  /** The cluster CA, base64 PEM, as `caData` in a Backstage cluster config. */
  caData: string;
  /** HTTP proxy into the cluster network (pod IPs, ClusterIPs). */
  proxyUrl: string;
  kubernetesVersion: string;
  /** Seconds from the script's start to ready (binaries already built). */
  startSeconds: number;
  /** Admin API access. */
  api: KubeApi;
  /** KUBECONFIG (admin) and a PATH with `kubectl argo rollouts`, for kubectl and scripts. */
  env: NodeJS.ProcessEnv;
  /** Runs the real kubectl with the admin kubeconfig. */
  kubectl(
    args: string[],
    options?: { cwd?: string; input?: string; env?: Record<string, string> },
  ): Promise<{ code: number; stdout: string; stderr: string }>;
  /** An HTTP request to an address in the cluster network, through the proxy. */
  fetchInCluster(
    url: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; text: string }>;
  /** http://CLUSTER-IP:PORT of a Service. */
  serviceUrl(namespace: string, name: string, port?: number): Promise<string>;
  /** A token for a service account (TokenRequest, as `kubectl create token`). */
  token(namespace: string, serviceAccount: string): Promise<string>;
  /** Resident memory of the control plane's processes, by name, in MiB. */
  memory(): Record<string, number>;
  stop(): Promise<void>;
};

const exec = promisify(execFile);

export async function startControlPlane(
  options: { dir?: string; podReadyDelayMs?: number; timeoutMs?: number } = {},
): Promise<ControlPlane> {
  const dir =
    options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'control-plane-'));
  const child = spawn('bash', [CONTROL_PLANE_SCRIPT, 'start', dir], {
    env: {
      ...process.env,
      POD_READY_DELAY_MS: String(options.podReadyDelayMs ?? 300),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', d => (output += d));
  child.stderr!.on('data', d => (output += d));
  const exited = new Promise<void>(r => child.once('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(
        new Error(
          `control plane not ready after ${
            options.timeoutMs ?? 180_000
          } ms (binaries are built by tools/control-plane/build.sh first): ${output.slice(
            -2000,
          )}`,
        ),
      );
    }, options.timeoutMs ?? 180_000);
    child.stdout!.on('data', () => {
      if (output.includes('control plane ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', code => {
      clearTimeout(timer);
      reject(
        new Error(`control plane exited (${code}): ${output.slice(-2000)}`),
      );
    });
  });
  const info = JSON.parse(fs.readFileSync(`${dir}/cluster.json`, 'utf8'));
  const api = await KubeApi.fromKubeconfig(info.kubeconfig);
  const proxy = new URL(info.proxy);
  const env = {
    ...process.env,
    // `kubectl argo rollouts` is the plugin built with the controller.
    PATH: `${info.argoRolloutsBin}:${process.env.PATH}`,
    KUBECONFIG: info.kubeconfig,
    KUBECACHEDIR: `${dir}/kube-cache`,
  };
  const plane: ControlPlane = {
    dir,
    kubeconfigPath: info.kubeconfig,
    server: info.server,
    caData: fs.readFileSync(info.caFile).toString('base64'),
    proxyUrl: info.proxy,
    kubernetesVersion: info.kubernetesVersion,
    startSeconds: info.startSeconds,
    api,
    env,
    kubectl: (args, opts = {}) =>
      runKubectl(args, { ...env, ...opts.env }, opts),
    fetchInCluster: (url, headers = {}) =>
      new Promise((resolve, reject) => {
        const target = new URL(url);
        const req = http.request(
          {
            host: proxy.hostname,
            port: proxy.port,
            path: url,
            headers: { host: target.host, ...headers },
          },
          res => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', d => (text += d));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          },
        );
        req.on('error', reject);
        req.end();
      }),
    async serviceUrl(namespace, name, port) {
      const svc = await api.call(
        'GET',
        `/api/v1/namespaces/${namespace}/services/${name}`,
      );
      return `http://${svc.spec.clusterIP}:${port ?? svc.spec.ports[0].port}`;
    },
    async token(namespace, serviceAccount) {
      const res = await api.call(
        'POST',
        `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`,
        {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: { expirationSeconds: 7200 },
        },
      );
      return res.status.token;
    },
    memory: () => memoryOf(child),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null)
        child.kill('SIGTERM');
      await exited;
    },
  };
  return plane;
}

async function runKubectl(
  args: string[],
  env: NodeJS.ProcessEnv,
  opts: { cwd?: string; input?: string },
) {
  if (opts.input !== undefined) {
    return new Promise<{ code: number; stdout: string; stderr: string }>(
      resolve => {
        const p = spawn('kubectl', args, { env, cwd: opts.cwd });
        let stdout = '';
        let stderr = '';
        p.stdout.on('data', d => (stdout += d));
        p.stderr.on('data', d => (stderr += d));
        p.on('close', code => resolve({ code: code ?? 1, stdout, stderr }));
        p.stdin.end(opts.input);
      },
    );
  }
  try {
    const r = await exec('kubectl', args, {
      env,
      cwd: opts.cwd,
      timeout: 120_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e: any) {
    return {
      code: typeof e.code === 'number' ? e.code : 1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? String(e),
    };
  }
}

/** RSS of every process under the script, summed by command name. */
function memoryOf(child: ChildProcess): Record<string, number> {
  const all = fs
    .readdirSync('/proc')
    .filter(p => /^\d+$/.test(p))
    .map(pid => {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        const ppid = Number(
          stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1],
        );
        const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
        const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
        const cmd = fs
          .readFileSync(`/proc/${pid}/cmdline`, 'utf8')
          .split('\0')
          .filter(Boolean);
        return { pid: Number(pid), ppid, rss, cmd };
      } catch {
        return undefined;
      }
    })
    .filter(<T>(x: T | undefined): x is T => Boolean(x));
  const under = new Set([child.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (under.has(p.ppid) && !under.has(p.pid)) {
        under.add(p.pid);
        grew = true;
      }
    }
  }
  const out: Record<string, number> = {};
  for (const p of all) {
    if (!under.has(p.pid) || !p.rss) continue;
    const exe = path.basename(p.cmd[0] ?? '');
    // The stand-in and the relay are both `node …/cli.ts COMMAND`.
    const script = p.cmd.findIndex(a => a.endsWith('.ts'));
    const name =
      exe === 'node' && script > 0 ? `${p.cmd[script + 1]} (node)` : exe;
    if (name === 'bash' || name === 'sleep' || name === 'unshare') continue;
    out[name] = Math.round(((out[name] ?? 0) + p.rss / 1024) * 10) / 10;
  }
  return out;
}
