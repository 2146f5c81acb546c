import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

/** Repository root, whatever directory Playwright was started from. */
export const repoRoot = resolve(__dirname, '../../../..');

/** A free TCP port on loopback, so tests never clash with a running demo. */
export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => ok(port));
    });
  });
}

export type RunningBackend = {
  baseUrl: string;
  stop(): Promise<void>;
};

/**
 * Starts the demo backend (packages/backend), which also serves the built app
 * (packages/app/dist, built by the test command before the browser tests).
 * Extra config is given as APP_CONFIG_* variables, Backstage's own override mechanism.
 */
export async function startBackend(options: {
  /** Extra config files, read after the repository's app-config.yaml. */
  configFiles?: string[];
  env?: Record<string, string>;
  logFile: string;
}): Promise<RunningBackend> {
  const port = await freePort();
  const baseUrl = `http://localhost:${port}`;
  await mkdir(resolve(options.logFile, '..'), { recursive: true });
  const log = createWriteStream(options.logFile);

  // With --config the CLI reads only the files named, so the repository's own comes first.
  const configArgs = options.configFiles?.length
    ? [join(repoRoot, 'app-config.yaml'), ...options.configFiles].flatMap(
        file => ['--config', file],
      )
    : [];
  const child: ChildProcess = spawn(
    'yarn',
    ['workspace', 'backend', 'start', ...configArgs],
    {
      cwd: repoRoot,
      detached: true, // own process group, so stop() reaches the node child too
      env: {
        ...process.env,
        APP_CONFIG_app_baseUrl: JSON.stringify(baseUrl),
        APP_CONFIG_backend_baseUrl: JSON.stringify(baseUrl),
        APP_CONFIG_backend_listen_port: String(port),
        APP_CONFIG_backend_cors_origin: JSON.stringify(baseUrl),
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);

  const stop = async () => {
    if (child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise(ok => child.once('exit', ok));
    process.kill(-child.pid, 'SIGTERM');
    const timer = setTimeout(
      () => process.kill(-child.pid!, 'SIGKILL'),
      10_000,
    );
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(
        `backend exited with code ${child.exitCode}; see ${options.logFile}`,
      );
    }
    try {
      const res = await fetch(`${baseUrl}/api/blue-green/health`);
      // The catalog must have read the example entities before a test opens them.
      const catalog = await fetch(`${baseUrl}/.backstage/health/v1/readiness`);
      if (res.ok && catalog.ok) {
        return { baseUrl, stop };
      }
    } catch {
      // not listening yet
    }
    await new Promise(ok => setTimeout(ok, 500));
  }
  await stop();
  throw new Error(
    `backend did not answer within 120 s; see ${options.logFile}`,
  );
}

export const resultsDir = join(repoRoot, 'test-results');
