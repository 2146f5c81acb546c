import { join } from 'node:path';
import { resultsDir, startBackend } from './backend';

/**
 * Starts what the browser tests run against and hands its address to the tests through the
 * environment (Playwright's documented way to pass data from global setup to workers).
 */
export default async function globalSetup() {
  const backend = await startBackend({
    logFile: join(resultsDir, 'e2e-backend.log'),
  });
  process.env.E2E_BASE_URL = backend.baseUrl;
  return async () => {
    await backend.stop();
  };
}
