/**
 * The benchmark's cluster, in a child process so that its memory stays out of the backend's RSS:
 * an empty sandbox in scale mode (no listeners, no traffic) that adds service-selector services on
 * request and counts the API requests it serves. Driven by `fleet.ts` over IPC.
 */
import { startSandbox } from '@bluegreen-backstage/kube-sandbox';
import {
  countRequests,
  createObjects,
  serviceSelectorManifests,
} from '../src/__testUtils__/fleet';

async function main() {
  const sandbox = await startSandbox({
    scenario: 'empty',
    listeners: false,
    traffic: false,
    events: false,
    podReadyDelayMs: 50,
    // Room for every pod: each requests 250m and 256Mi, like the seed's.
    nodeCapacity: { cpu: '2000', memory: '2000Gi', pods: 100000 },
  });
  let created = 0;
  let counter = countRequests(sandbox);
  process.on('message', async (message: any) => {
    try {
      if (message.type === 'grow') {
        // Creation is not what is measured: count only from the end of it.
        sandbox.faults.clear();
        for (; created < message.services; created++) {
          await createObjects(
            sandbox,
            serviceSelectorManifests(`svc-${created}`, { replicas: 1 }),
          );
        }
        await sandbox.settled(600_000);
        counter = countRequests(sandbox);
        process.send!({ type: 'grown', services: created });
      } else if (message.type === 'count') {
        process.send!({ type: 'count', ...counter() });
      } else if (message.type === 'stop') {
        await sandbox.stop();
        process.exit(0);
      }
    } catch (error) {
      process.send!({ type: 'error', message: String(error) });
    }
  });
  process.send!({ type: 'ready', url: sandbox.url, token: sandbox.token });
}

main().catch(error => {
  process.send?.({ type: 'error', message: String(error) });
  process.exit(1);
});
