import { expect, Page } from '@playwright/test';
import { join } from 'node:path';
import { repoRoot } from './backend';

/** Signs in with the guest provider (user:default/guest, a member of team-checkout). */
export async function signIn(page: Page) {
  await page.goto('/');
  await page.getByRole('button', { name: 'Enter' }).click();
  await expect(
    page.getByRole('link', { name: 'Catalog', exact: true }).first(),
  ).toBeVisible();
}

/** The two environment cards of the Blue/Green tab. */
export function environments(page: Page) {
  return {
    blue: page.getByRole('region', { name: 'blue environment' }),
    green: page.getByRole('region', { name: 'green environment' }),
  };
}

/** A full-page screenshot for the plugin README, under docs/screenshots/. */
export async function screenshot(page: Page, name: string) {
  // From the top: a full-page screenshot of a scrolled page draws the fixed sidebar where the
  // viewport was, in the middle of the picture.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({
    path: join(repoRoot, 'docs/screenshots', name),
    fullPage: true,
  });
}

type SandboxService = {
  namespace: string;
  name: string;
  port: number;
  url: string;
};

/** The loopback address of a sandbox Service (global setup passes them all). */
export function serviceUrl(namespace: string, name: string): string {
  const services: SandboxService[] = JSON.parse(
    process.env.E2E_SANDBOX_SERVICES ?? '[]',
  );
  const service = services.find(
    s => s.namespace === namespace && s.name === name,
  );
  if (!service) throw new Error(`no sandbox Service ${namespace}/${name}`);
  return service.url;
}

/** The colors that answered `count` requests through a Service (pods set `X-Color`). */
export async function colorsAnswering(
  url: string,
  count = 10,
): Promise<string[]> {
  const colors = new Set<string>();
  for (let i = 0; i < count; i++) {
    const res = await fetch(url);
    await res.text();
    colors.add(res.headers.get('x-color') ?? `none (${res.status})`);
  }
  return [...colors].sort();
}

/** A merge patch of a Deployment through the sandbox's Kubernetes API, as `kubectl annotate` does. */
export async function annotateDeployment(
  namespace: string,
  name: string,
  annotations: Record<string, string | null>,
) {
  const res = await fetch(
    `${process.env.E2E_SANDBOX_URL}/apis/apps/v1/namespaces/${namespace}/deployments/${name}`,
    {
      method: 'PATCH',
      headers: {
        Authorization: `Bearer ${process.env.E2E_SANDBOX_TOKEN}`,
        'Content-Type': 'application/merge-patch+json',
      },
      body: JSON.stringify({ metadata: { annotations } }),
    },
  );
  if (!res.ok) {
    throw new Error(`PATCH ${name}: ${res.status} ${await res.text()}`);
  }
}

/** The header's four answers of the Blue/Green tab. */
export function releaseSummary(page: Page) {
  return {
    live: page.getByTestId('answer-live'),
    idle: page.getByTestId('answer-idle'),
    last: page.getByTestId('answer-last'),
    next: page.getByTestId('answer-next'),
  };
}

/**
 * The height of the whole page in CSS pixels (Backstage scrolls the page, not an inner element)
 * once the tab has settled: charts and cards that load after the state appeared change it, so
 * it is read until four readings 300 ms apart agree (at most 10 s). Logged with the state it was
 * measured in, for the report.
 */
export async function pageHeight(page: Page, state: string): Promise<number> {
  const measure = () =>
    page.evaluate(() =>
      Math.max(
        document.documentElement.scrollHeight,
        ...[...document.querySelectorAll('main, [class*="BackstagePage"]')].map(
          e => e.scrollHeight,
        ),
      ),
    );
  const deadline = Date.now() + 10_000;
  let height = await measure();
  let agreeing = 1;
  while (agreeing < 4 && Date.now() < deadline) {
    await page.waitForTimeout(300);
    const next = await measure();
    agreeing = next === height ? agreeing + 1 : 1;
    height = next;
  }
  // eslint-disable-next-line no-console
  console.log(`tab height at 1440×900, ${state}: ${height} px`);
  return height;
}
