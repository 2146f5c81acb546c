import { connect } from 'node:net';
import { Probe } from '../../decisions/checklist/evidence';

/** Whether the dependency probe may contact `host` on `port` (`blueGreen.checks.dependencyHosts`). */
export function dependencyAllowed(
  allowed: string[],
  host: string,
  port: number,
): boolean {
  const name = host.toLocaleLowerCase('en-US');
  return allowed.some(pattern => {
    const [patternHost, patternPort] = pattern.split(':');
    if (patternPort !== undefined && Number(patternPort) !== port) return false;
    return patternHost.startsWith('*.')
      ? name.endsWith(patternHost.slice(1)) &&
          name.length > patternHost.length - 1
      : name === patternHost;
  });
}

const unbracket = (host: string) => host.replace(/^\[|\]$/g, '');

const notProbed = (dependency: string, host: string): Probe => ({
  ok: false,
  notProbed: true,
  detail: `${dependency}: not contacted, ${host} is not in blueGreen.checks.dependencyHosts`,
});

async function probeUrl(dependency: string, allowed: string[]): Promise<Probe> {
  let url: URL;
  try {
    url = new URL(dependency);
  } catch {
    return { ok: false, detail: `${dependency}: not a URL` };
  }
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const host = unbracket(url.hostname);
  if (!dependencyAllowed(allowed, host, port)) {
    return notProbed(dependency, host);
  }
  try {
    const response = await fetch(dependency, {
      signal: AbortSignal.timeout(3000),
      redirect: 'manual',
    });
    return {
      ok: response.status < 400,
      detail: `${dependency}: HTTP ${response.status}`,
    };
  } catch (error) {
    return {
      ok: false,
      detail: `${dependency}: ${
        (error as any)?.cause?.code ?? (error as Error).message
      }`,
    };
  }
}

function probeTcp(dependency: string, host: string, port: number) {
  return new Promise<Probe>(resolve => {
    const socket = connect({ host, port });
    const done = (ok: boolean, detail: string) => {
      socket.destroy();
      resolve({ ok, detail: `${dependency}: ${detail}` });
    };
    socket.setTimeout(3000, () => done(false, 'no answer within 3 s'));
    socket.once('connect', () => done(true, 'TCP connect ok'));
    socket.once('error', error =>
      done(false, (error as any).code ?? error.message),
    );
  });
}

/**
 * Probes the dependencies an entity names: HTTP(S) URLs answer < 400; host:port accepts TCP. Only
 * hosts in `allowed` are contacted (redirects are not followed): the annotation is written by
 * entity authors, and the backend must not connect anywhere they name.
 */
export function probeDependencies(
  dependencies: string[],
  allowed: string[],
): Promise<Probe[]> {
  return Promise.all(
    dependencies.map(async dependency => {
      if (/^https?:\/\//.test(dependency)) {
        return probeUrl(dependency, allowed);
      }
      const match = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(
        dependency,
      );
      if (!match) {
        return { ok: false, detail: `${dependency}: not a URL or host:port` };
      }
      const host = unbracket(match[1]);
      if (!dependencyAllowed(allowed, host, Number(match[2]))) {
        return notProbed(dependency, match[1]);
      }
      return probeTcp(dependency, host, Number(match[2]));
    }),
  );
}
