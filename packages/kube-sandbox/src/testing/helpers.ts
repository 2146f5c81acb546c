/**
 * Small helpers for the sandbox's own tests: raw API calls and polling.
 */
import { execFile } from 'child_process';
import { promisify } from 'util';
import type { Sandbox } from '../sandbox';

export async function api(
  sandbox: Sandbox,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
) {
  const res = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${sandbox.token}`,
      ...(body !== undefined ? { 'Content-Type': contentType } : {}),
    },
    body:
      typeof body === 'string' || body === undefined
        ? body
        : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

export async function waitFor<T>(
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    await new Promise(r => setTimeout(r, 50));
  }
}

const exec = promisify(execFile);

/** Runs the real kubectl against the sandbox. */
export async function kubectl(
  sandbox: Pick<Sandbox, 'kubeconfigPath' | 'dataDir'>,
  args: string[],
  opts: { cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(
      'kubectl',
      ['--kubeconfig', sandbox.kubeconfigPath, ...args],
      {
        cwd: opts.cwd,
        env: { ...process.env, KUBECACHEDIR: `${sandbox.dataDir}/kube-cache` },
        timeout: 60000,
      },
    );
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e: any) {
    return {
      code: e.code ?? 1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? String(e),
    };
  }
}

export async function httpGet(
  url: string,
  headers: Record<string, string> = {},
) {
  const res = await fetch(url, { headers });
  return { status: res.status, text: await res.text(), headers: res.headers };
}
