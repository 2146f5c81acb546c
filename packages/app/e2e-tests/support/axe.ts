import AxeBuilder from '@axe-core/playwright';
import { expect, Page, test } from '@playwright/test';

/** The plugin's own elements: every Blue/Green view marks its root with `data-blue-green`. */
export const BLUE_GREEN_ROOTS = '[data-blue-green]';

/** Impacts that fail the check: what keeps someone from using the page. */
const BLOCKING = new Set(['critical', 'serious']);

/**
 * Runs axe-core (WCAG 2.0–2.2 A and AA rules and best practices) on the elements the selectors
 * match — by default the plugin's own, so Backstage's sidebar and header are not judged — and
 * fails on any critical or serious violation, listing each rule with the elements it found.
 * Open dialogs render outside the page's root: pass `[role="dialog"]` to include them.
 * The full result is attached to the test report.
 */
export async function expectNoSeriousViolations(
  page: Page,
  options: { include?: string[]; name?: string } = {},
) {
  const include = options.include ?? [BLUE_GREEN_ROOTS];
  for (const selector of include) {
    await expect(page.locator(selector).first()).toBeVisible();
  }
  let builder = new AxeBuilder({ page }).withTags([
    'wcag2a',
    'wcag2aa',
    'wcag21a',
    'wcag21aa',
    'wcag22aa',
    'best-practice',
  ]);
  for (const selector of include) builder = builder.include(selector);
  const results = await builder.analyze();
  await test.info().attach(`axe-${options.name ?? 'page'}.json`, {
    body: JSON.stringify(results.violations, null, 2),
    contentType: 'application/json',
  });
  const blocking = results.violations.filter(v => BLOCKING.has(v.impact ?? ''));
  const report = blocking.map(
    v =>
      `${v.impact} ${v.id}: ${v.help}\n${v.nodes
        .map(n => `  - ${n.target.join(' ')}: ${n.failureSummary ?? ''}`)
        .join('\n')}`,
  );
  expect(report, 'critical or serious accessibility violations').toEqual([]);
  return results;
}
