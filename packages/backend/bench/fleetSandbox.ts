/**
 * The benchmark's clusters, in a child process so that their memory stays out of the backends'
 * RSS: CLUSTERS empty sandboxes in scale mode (no listeners, no traffic, no events, readiness
 * set once) named `bench-0` …, which add service-selector services on request and count the API
 * requests they serve. Driven by `fleet.ts` over IPC.
 */
import { Sandbox, startSandbox } from '@bluegreen-backstage/kube-sandbox';
import {
  benchPlacement,
  countRequests,
  createObjects,
  serviceSelectorManifests,
} from '../src/__testUtils__/fleet';

const CLUSTERS = Number(process.env.CLUSTERS ?? 10);

async function main() {
  const sandboxes: Sandbox[] = [];
  for (let i = 0; i < CLUSTERS; i++) {
    sandboxes.push(
      await startSandbox({
        scenario: 'empty',
        listeners: false,
        traffic: false,
        events: false,
        probes: false,
        podReadyDelayMs: 50,
        // Room for every pod: each requests 250m and 256Mi, like the seed's.
        nodeCapacity: { cpu: '2000', memory: '2000Gi', pods: 100000 },
      }),
    );
  }
  const namespaces = sandboxes.map(() => new Set<string>());
  let created = 0;
  let counters = sandboxes.map(countRequests);
  const count = () =>
    counters
      .map(c => c())
      .reduce((sum, c) => ({
        lists: sum.lists + c.lists,
        other: sum.other + c.other,
      }));

  /** Creates services `from` … `to - 1`, each cluster's in order, the clusters side by side. */
  async function grow(from: number, to: number) {
    await Promise.all(
      sandboxes.map(async (sandbox, c) => {
        for (let i = from; i < to; i++) {
          if (i % CLUSTERS !== c) continue;
          const { name, namespace } = benchPlacement(i, CLUSTERS);
          if (!namespaces[c].has(namespace)) {
            await createObjects(sandbox, [
              {
                apiVersion: 'v1',
                kind: 'Namespace',
                metadata: { name: namespace },
              },
            ]);
            namespaces[c].add(namespace);
          }
          await createObjects(
            sandbox,
            serviceSelectorManifests(name, { namespace, replicas: 1 }),
          );
        }
      }),
    );
  }

  process.on('message', async (message: any) => {
    try {
      if (message.type === 'grow') {
        // Creation is not what is measured: count only from the end of it.
        for (const sandbox of sandboxes) sandbox.faults.clear();
        await grow(created, message.services);
        created = Math.max(created, message.services);
        await Promise.all(sandboxes.map(s => s.settled(600_000)));
        counters = sandboxes.map(countRequests);
        process.send!({ type: 'grown', services: created });
      } else if (message.type === 'count') {
        process.send!({ type: 'count', ...count() });
      } else if (message.type === 'stop') {
        await Promise.all(sandboxes.map(s => s.stop()));
        process.exit(0);
      }
    } catch (error) {
      process.send!({ type: 'error', message: String(error) });
    }
  });
  process.send!({
    type: 'ready',
    clusters: Object.fromEntries(
      sandboxes.map((s, i) => [`bench-${i}`, { url: s.url, token: s.token }]),
    ),
  });
}

main().catch(error => {
  process.send?.({ type: 'error', message: String(error) });
  process.exit(1);
});
