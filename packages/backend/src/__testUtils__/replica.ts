/**
 * One backend replica in a process of its own, for the suites that run several replicas on one
 * database or kill one mid-switch: started by {@link startReplica} with its app-config in
 * BG_REPLICA_CONFIG, it answers `{ type: 'ready', port }` over IPC.
 */
import { startBackend } from './harness';

async function main() {
  const config = JSON.parse(process.env.BG_REPLICA_CONFIG ?? '{}');
  const backend = await startBackend(config);
  process.send!({ type: 'ready', port: backend.server.port() });
  process.on('message', async (message: any) => {
    if (message?.type === 'stop') {
      await backend.stop();
      process.exit(0);
    }
  });
}

main().catch(error => {
  process.send!({ type: 'error', message: String(error?.stack ?? error) });
  process.exit(1);
});
