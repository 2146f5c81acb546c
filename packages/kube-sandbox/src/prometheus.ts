/**
 * startPrometheus: runs the Debian `prometheus` binary with a generated config that
 * discovers the sandbox's targets through http_sd (1 s scrape interval).
 */
import { ChildProcess, spawn } from 'child_process';
import fs from 'fs';
import net from 'net';
import os from 'os';
import path from 'path';

export const PROMETHEUS_BINARY = '/usr/bin/prometheus';

export interface PrometheusOptions {
  httpSdUrl: string;
  scrapeIntervalSeconds?: number;
  /** Listen port; 0 (default) picks a free one. */
  port?: number;
  /** TSDB and config directory (default: a new temp dir). */
  dataDir?: string;
  /** Path of the binary (default /usr/bin/prometheus). */
  binary?: string;
}

export interface RunningPrometheus {
  url: string;
  configPath: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export function prometheusConfig(httpSdUrl: string, interval: number): string {
  return [
    'global:',
    `  scrape_interval: ${interval}s`,
    `  scrape_timeout: ${interval}s`,
    `  evaluation_interval: ${interval}s`,
    'scrape_configs:',
    '  - job_name: kube-sandbox',
    // Pods expose color/version themselves; keep them rather than exported_* copies.
    '    honor_labels: true',
    '    http_sd_configs:',
    `      - url: ${httpSdUrl}`,
    `        refresh_interval: ${Math.max(1, interval)}s`,
    '',
  ].join('\n');
}

export async function startPrometheus(
  options: PrometheusOptions,
): Promise<RunningPrometheus> {
  const binary = options.binary ?? PROMETHEUS_BINARY;
  if (!fs.existsSync(binary)) {
    throw new Error(
      `Prometheus is not installed: ${binary} not found (Debian: apt-get install -y --no-install-recommends prometheus)`,
    );
  }
  const dir =
    options.dataDir ??
    fs.mkdtempSync(path.join(os.tmpdir(), 'kube-sandbox-prometheus-'));
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  const configPath = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(
    configPath,
    prometheusConfig(options.httpSdUrl, options.scrapeIntervalSeconds ?? 1),
  );
  const port = options.port || (await freePort());
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${configPath}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', d => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>(resolve =>
    child.once('exit', () => resolve()),
  );
  const deadline = Date.now() + 15000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`prometheus exited with ${child.exitCode}: ${stderr}`);
    try {
      const r = await fetch(`${url}/-/ready`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`prometheus did not become ready: ${stderr}`);
    }
    await new Promise(r => setTimeout(r, 100));
  }
  return {
    url,
    configPath,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}
