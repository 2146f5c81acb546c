import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { repoRoot } from '../support/backend';
import { Page } from '@playwright/test';
import { signIn } from '../support/blueGreen';
import { test } from '../support/test';

/**
 * Benchmark of the Blue/Green tab (issue 5), against the built app served by the real backend
 * (`yarn workspace app bench` builds the app first):
 *
 * 1. Size: the gzipped JavaScript the tab adds, measured in Chromium as the chunks fetched when
 *    going from the entity's Overview (app shell, catalog, Backstage and MUI code already loaded)
 *    to the Blue/Green tab, plus the charts chunk (recharts), which loads after the header once
 *    metrics arrive, found in the build output by its text. Shared Backstage / MUI code is what
 *    the Overview already loaded, so it is not counted.
 * 2. Time: from navigation to the tab's first screen (the status header with its traffic split,
 *    drawn from the entity's live status), median of 5 runs, as a full page
 *    load of the tab URL (cold page) and as an in-app click from the Overview.
 *
 * Figures go to stdout and to test-results/bench/frontend.json.
 */

const RUNS = 5;
const ENTITY = '/catalog/default/component/my-app';

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const kb = (bytes: number) => Math.round(bytes / 102.4) / 10;

/**
 * The built chunks of the charts, loaded after the header once metrics arrive: MetricsCharts and
 * the recharts vendor chunk, found by strings only they have.
 */
async function chartsChunks() {
  const dir = join(repoRoot, 'packages/app/dist/static');
  const found = [];
  for (const file of await readdir(dir)) {
    if (!file.endsWith('.js')) continue;
    const body = await readFile(join(dir, file));
    if (
      body.includes('Requests per second') ||
      body.includes('recharts-cartesian-grid')
    ) {
      found.push({ file, gzip: gzipSync(body, { level: 9 }).length });
    }
  }
  return found;
}

/**
 * The tab's first screen is ready: the status header's traffic split, drawn once the entity's
 * status has arrived (the environment cards are one click away, under "Environments").
 */
const firstScreen = (page: Page) =>
  page.getByRole('img', { name: /^traffic split:/ });

test('Blue/Green tab: lazy chunk size and time to its first screen', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const charts = await chartsChunks();
  await signIn(page);

  // JS fetched when going, inside the app, from an entity page without any Blue/Green part (the
  // storefront System: entity page, Backstage and MUI code loaded) to my-app's tab.
  await page.goto('/catalog/default/system/storefront');
  await page.getByRole('heading', { name: 'storefront' }).waitFor();
  await page.waitForLoadState('networkidle');
  const fetched: Array<{ url: string; gzip: number }> = [];
  const onResponse = async (response: import('@playwright/test').Response) => {
    const url = response.url();
    if (!url.endsWith('.js')) return;
    try {
      fetched.push({
        url,
        gzip: gzipSync(await response.body(), { level: 9 }).length,
      });
    } catch {
      // a cached or aborted response has no body
    }
  };
  page.on('response', onResponse);
  await page.evaluate(url => {
    window.history.pushState({}, '', url);
    window.dispatchEvent(new PopStateEvent('popstate'));
  }, `${ENTITY}/blue-green`);
  await firstScreen(page).waitFor();
  await page.waitForLoadState('networkidle');
  page.off('response', onResponse);

  // Time to the first screen: a full load of the tab URL (cold page, app shell included) ...
  const fullLoad: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const context = await page
      .context()
      .browser()!
      .newContext({
        storageState: await page.context().storageState(),
        baseURL: test.info().project.use.baseURL,
      });
    const fresh = await context.newPage();
    const start = Date.now();
    await fresh.goto(`${process.env.E2E_BASE_URL}${ENTITY}/blue-green`);
    await firstScreen(fresh).waitFor();
    fullLoad.push(Date.now() - start);
    await context.close();
  }
  // For comparison: a full load of the entity's Overview until its heading shows (the app shell
  // alone, no Blue/Green tab).
  const shellLoad: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const context = await page
      .context()
      .browser()!
      .newContext({ storageState: await page.context().storageState() });
    const fresh = await context.newPage();
    const start = Date.now();
    await fresh.goto(`${process.env.E2E_BASE_URL}${ENTITY}`);
    await fresh.getByRole('heading', { name: 'my-app' }).waitFor();
    shellLoad.push(Date.now() - start);
    await context.close();
  }
  // ... and an in-app navigation from the Overview tab (the tab's chunk cached, as users see it
  // the second time; the first click is measured separately).
  const inApp: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await page.goto(ENTITY);
    // The entity's tab, not the sidebar's link to the fleet page of the same name.
    const tab = page
      .getByRole('navigation', { name: 'Content navigation' })
      .getByRole('link', { name: 'Blue/Green', exact: true });
    await tab.waitFor();
    const start = Date.now();
    await tab.click();
    await firstScreen(page).waitFor();
    inApp.push(Date.now() - start);
  }

  const tabFiles = fetched.map(f => f.url.replace(/^.*\/static\//, ''));
  const extraCharts = charts.filter(c => !tabFiles.includes(c.file));
  const result = {
    fetchedOnTabOpen: fetched.map((f, i) => ({
      file: tabFiles[i],
      gzip: f.gzip,
    })),
    chartsChunks: charts,
    lazyGzipKb: kb(
      fetched.reduce((sum, f) => sum + f.gzip, 0) +
        extraCharts.reduce((sum, c) => sum + c.gzip, 0),
    ),
    fullLoadMs: { runs: fullLoad, median: median(fullLoad) },
    overviewFullLoadMs: { runs: shellLoad, median: median(shellLoad) },
    inAppNavigationMs: { runs: inApp, median: median(inApp) },
  };
  await mkdir(join(repoRoot, 'test-results/bench'), { recursive: true });
  await writeFile(
    join(repoRoot, 'test-results/bench/frontend.json'),
    JSON.stringify(result, null, 2),
  );
  // eslint-disable-next-line no-console
  console.log(JSON.stringify(result, null, 2));
});
