import { Sandbox } from '@bluegreen-backstage/kube-sandbox';
import http from 'node:http';

/** One event of a Kubernetes watch stream. */
export type WatchEvent = { type: string; object: any };

/**
 * Watches one object through the sandbox's API (`?watch=true&fieldSelector=metadata.name=…`), as
 * a controller would: an independent record of every state the object went through, in order.
 */
export async function watchObject(
  sandbox: Pick<Sandbox, 'url' | 'token'>,
  collectionPath: string,
  name: string,
): Promise<{ events: WatchEvent[]; stop(): void }> {
  const list = await fetch(`${sandbox.url}${collectionPath}`, {
    headers: { Authorization: `Bearer ${sandbox.token}` },
  }).then(r => r.json());
  const url = new URL(`${sandbox.url}${collectionPath}`);
  url.searchParams.set('watch', 'true');
  url.searchParams.set('fieldSelector', `metadata.name=${name}`);
  url.searchParams.set('resourceVersion', list.metadata.resourceVersion);
  const events: WatchEvent[] = [];
  const request = http.get(url, {
    headers: { Authorization: `Bearer ${sandbox.token}` },
  });
  await new Promise<void>((resolve, reject) => {
    request.once('error', reject);
    request.once('response', response => {
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', chunk => {
        buffer += chunk;
        let newline = buffer.indexOf('\n');
        while (newline >= 0) {
          const line = buffer.slice(0, newline).trim();
          buffer = buffer.slice(newline + 1);
          if (line) events.push(JSON.parse(line));
          newline = buffer.indexOf('\n');
        }
      });
      response.on('error', () => {});
      resolve();
    });
  });
  return {
    events,
    stop: () => request.destroy(),
  };
}
