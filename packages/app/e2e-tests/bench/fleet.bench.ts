import { Page } from '@playwright/test';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '../support/backend';
import { signIn } from '../support/blueGreen';
import { test } from '../support/test';

/**
 * Benchmark of the fleet page with thousands of services (issue 21), in Chromium against the built
 * app served by the real backend (`yarn workspace app bench` builds the app first).
 *
 * The fleet answers are the ones the backend benchmark's backend gave for 1,000 and 10,000
 * services over 10 clusters (`yarn workspace backend bench:fleet` writes them to
 * test-results/fleet-bench/fleet-<services>.json); the page receives each as its `/fleet` answer,
 * so what is measured is the page: parsing the answer, building the rows, filtering, sorting and
 * drawing a page of 50. How long the backend takes to build the answer is the backend
 * benchmark's figure.
 *
 * For each size, median of RUNS:
 * - first rows: from navigation to the fleet URL (a full page load: app shell, JavaScript, the
 *   answer) to the table's first row drawn;
 * - search: from typing a service's name into Search to the table showing that one row;
 * - filter: from choosing a cluster in the Cluster filter to the table showing its rows;
 * - sort: from clicking the Service header to the table sorted by it (the header's `aria-sort`
 *   changes in the same render as the rows).
 * Each end is checked in the page on every animation frame. Figures go to stdout and to
 * test-results/fleet-bench/page.json.
 */

const RUNS = 5;
const DIR = join(repoRoot, 'test-results/fleet-bench');

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

type Answer = { rows: Array<{ name: string; cluster?: string }> };

async function answers(): Promise<Array<{ services: number; body: string }>> {
  if (!existsSync(DIR)) return [];
  const files = (await readdir(DIR)).filter(f => /^fleet-\d+\.json$/.test(f));
  const found = await Promise.all(
    files.map(async f => ({
      services: Number(f.match(/\d+/)![0]),
      body: await readFile(join(DIR, f), 'utf8'),
    })),
  );
  return found.sort((a, b) => a.services - b.services);
}

/**
 * Resolves when the table's pager says `expected` ("1 - 50 of N"), checked on every animation
 * frame. The pager's label is found through the previous-page button that it describes, and read
 * as textContent, which costs no layout.
 */
function waitForPager(page: Page, expected: string) {
  return page.waitForFunction(
    text => {
      const button = document.querySelector(
        '[aria-label="Previous table page"]',
      );
      const id = button?.getAttribute('aria-describedby');
      return Boolean(id && document.getElementById(id)?.textContent === text);
    },
    expected,
    { polling: 'raf', timeout: 60_000 },
  );
}

/** Milliseconds from `act` to `done`. */
async function timed(
  act: () => Promise<unknown>,
  done: () => Promise<unknown>,
) {
  const start = performance.now();
  await act();
  await done();
  return performance.now() - start;
}

const pager = (total: number) =>
  `${total === 0 ? 0 : 1} - ${Math.min(50, total)} of ${total}`;

test('fleet page with thousands of services: first rows, search, filter and sort', async ({
  page,
}) => {
  test.setTimeout(900_000);
  const sizes = await answers();
  if (sizes.length === 0) {
    throw new Error(
      `no fleet answers in ${DIR}: run yarn workspace backend bench:fleet first`,
    );
  }
  await signIn(page);
  const storageState = await page.context().storageState();
  const results = [];

  for (const { services, body } of sizes) {
    const answer: Answer = JSON.parse(body);
    const total = answer.rows.length;
    const clusters = [
      ...new Set(answer.rows.map(r => r.cluster).filter(Boolean)),
    ].sort() as string[];
    const cluster = clusters[Math.floor(clusters.length / 2)];
    const inCluster = answer.rows.filter(r => r.cluster === cluster).length;
    // The benchmark's services are svc-0 …: the last one's name is in no other row.
    const lastName = `svc-${services - 1}`;

    const firstRows: number[] = [];
    const search: number[] = [];
    const filter: number[] = [];
    const sort: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const context = await page
        .context()
        .browser()!
        .newContext({ storageState, viewport: { width: 1440, height: 900 } });
      const fresh = await context.newPage();
      await fresh.route('**/api/blue-green/fleet*', route =>
        route.fulfill({ contentType: 'application/json', body }),
      );
      const table = fresh.getByRole('grid', { name: 'Blue/green services' });
      firstRows.push(
        await timed(
          () => fresh.goto(`${process.env.E2E_BASE_URL}/blue-green`),
          () => table.getByRole('row').nth(1).waitFor(),
        ),
      );
      await waitForPager(fresh, pager(total));

      const searchBox = fresh.getByRole('searchbox', { name: 'Search' });
      search.push(
        await timed(
          () => searchBox.fill(lastName),
          () => waitForPager(fresh, pager(1)),
        ),
      );
      await searchBox.fill('');
      await waitForPager(fresh, pager(total));

      await fresh.getByRole('button', { name: /Cluster$/ }).click();
      const option = fresh.getByRole('option', { name: cluster, exact: true });
      await option.waitFor();
      filter.push(
        await timed(
          () => option.click(),
          () => waitForPager(fresh, pager(inCluster)),
        ),
      );

      const header = table.getByRole('columnheader', { name: 'Service' });
      sort.push(
        await timed(
          () => header.click(),
          () =>
            fresh.waitForFunction(
              () =>
                [...document.querySelectorAll('[role="columnheader"]')].some(
                  h =>
                    h.textContent === 'Service' &&
                    h.getAttribute('aria-sort') === 'ascending',
                ),
              undefined,
              { polling: 'raf', timeout: 60_000 },
            ),
        ),
      );
      await context.close();
    }
    const row = {
      services,
      rows: total,
      firstRowsMs: { runs: firstRows, median: median(firstRows) },
      searchMs: { runs: search, median: median(search) },
      filterMs: {
        cluster,
        rows: inCluster,
        runs: filter,
        median: median(filter),
      },
      sortMs: { runs: sort, median: median(sort) },
    };
    results.push(row);
    // eslint-disable-next-line no-console
    console.log(
      `${services} services (${total} rows): first rows ${row.firstRowsMs.median.toFixed(
        0,
      )} ms (target < 2000), search ${row.searchMs.median.toFixed(
        0,
      )} ms, cluster filter ${row.filterMs.median.toFixed(
        0,
      )} ms, sort ${row.sortMs.median.toFixed(0)} ms (targets < 200)`,
    );
  }
  await mkdir(DIR, { recursive: true });
  await writeFile(join(DIR, 'page.json'), JSON.stringify(results, null, 2));
});
