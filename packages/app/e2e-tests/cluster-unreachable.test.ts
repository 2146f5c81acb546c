import { kubernetesConfig } from '@bluegreen-backstage/kube-sandbox';
import { expect, test } from '@playwright/test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { expectNoSeriousViolations } from './support/axe';
import {
  freePort,
  resultsDir,
  RunningBackend,
  startBackend,
} from './support/backend';
import { pageHeight, releaseSummary } from './support/blueGreen';

// A backend of its own whose cluster does not answer (its address is a closed port): the shared
// one keeps its sandbox, so the other tests are not disturbed.
let backend: RunningBackend | undefined;
let dir: string | undefined;

test.beforeAll(async () => {
  test.setTimeout(240_000);
  dir = await mkdtemp(join(tmpdir(), 'blue-green-e2e-offline-'));
  const configFile = join(dir, 'app-config.offline.yaml');
  await writeFile(
    configFile,
    stringify({
      backend: {
        database: {
          client: 'better-sqlite3',
          connection: { directory: join(dir, 'db') },
        },
      },
      kubernetes: kubernetesConfig(
        {
          sandbox: {
            url: `http://127.0.0.1:${await freePort()}`,
            token: 'unused',
          },
        },
        { skipMetricsLookup: true },
      ),
    }),
  );
  backend = await startBackend({
    configFiles: [configFile],
    logFile: join(resultsDir, 'e2e-backend-offline.log'),
  });
});

test.afterAll(async () => {
  await backend?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('cluster unreachable: the header says so and offers Retry', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.goto(`${backend!.baseUrl}/`);
  await page.getByRole('button', { name: 'Enter' }).click();
  await expect(
    page.getByRole('link', { name: 'Catalog', exact: true }).first(),
  ).toBeVisible();
  await page.goto(
    `${backend!.baseUrl}/catalog/default/component/my-app/blue-green`,
  );

  const summary = releaseSummary(page);
  await expect(summary.last).toContainText(/^cluster unreachable: /, {
    timeout: 60_000,
  });
  await expect(summary.live).toContainText('unknown');
  const retry = summary.next.getByRole('button', { name: 'Retry' });
  await expect(retry).toBeEnabled();
  await retry.click();
  await expect(summary.last).toContainText(/^cluster unreachable: /);
  expect(await pageHeight(page, 'cluster unreachable')).toBeLessThanOrEqual(
    1800,
  );
  await expectNoSeriousViolations(page, { name: 'cluster-unreachable' });
  await page.screenshot({
    path: join(resultsDir, '..', 'docs/screenshots/blue-green-unreachable.png'),
    fullPage: true,
  });
});
