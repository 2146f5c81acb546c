import { Page } from '@playwright/test';
import {
  colorsAnswering,
  environments,
  releaseSummary,
  serviceUrl,
} from '../support/blueGreen';
import { expect, test } from '../support/test';

/** The example entity of the backend README's migration section, on the adopter's cluster. */
const TAB = '/catalog/default/component/my-app/blue-green';

/** Signs in the way the fresh app offers (its guest provider), whatever its sign-in page looks like. */
async function signIn(page: Page) {
  await page.goto('/');
  const enter = page.getByRole('button', { name: 'Enter' });
  const catalog = page.getByRole('link', { name: 'Catalog' }).first();
  await expect(enter.or(catalog)).toBeVisible();
  if (await enter.isVisible()) await enter.click();
  await expect(catalog).toBeVisible();
}

test.describe.configure({ mode: 'serial' });

test('the Blue/Green tab of a fresh app: the checklist signed off, a promote through the UI', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await signIn(page);
  await page.goto(TAB);

  const summary = releaseSummary(page);
  await expect(summary.live).toContainText('blue');
  await expect(summary.idle).toContainText(/green .*waiting for \d+ sign-offs/);
  await page.getByRole('tab', { name: 'Environments' }).click();
  const { blue, green } = environments(page);
  await expect(blue.getByText('live', { exact: true })).toBeVisible();
  await expect(green.getByText('idle', { exact: true })).toBeVisible();
  const service = serviceUrl('default', 'my-app');
  expect(await colorsAnswering(service)).toEqual(['blue']);

  // Every missing sign-off in one dialog, with one note.
  await summary.next
    .getByRole('button', { name: /^Sign off \d+ items/ })
    .click();
  let dialog = page.getByRole('dialog');
  await dialog
    .getByRole('textbox', { name: 'Note' })
    .fill('checked by the adopter test');
  await dialog.getByRole('button', { name: /^Sign off \d+ items$/ }).click();
  await expect(dialog).toBeHidden();
  await expect(summary.idle).toContainText(/green .*is ready/, {
    timeout: 60_000,
  });

  const promote = summary.next.getByRole('button', { name: /^Promote green/ });
  await expect(promote).toBeEnabled();
  await promote.click();
  dialog = page.getByRole('dialog');
  await dialog.getByRole('textbox', { name: 'Reason' }).fill('adopter release');
  await dialog.getByRole('button', { name: 'Promote' }).click();
  await expect(summary.live).toContainText('green');
  await expect
    .poll(() => colorsAnswering(service), { timeout: 15_000 })
    .toEqual(['green']);
  await page.getByRole('tab', { name: 'History' }).click();
  await expect(
    page.getByTestId('history').getByText('adopter release'),
  ).toBeVisible();
});

test('the fleet page lists the service with its live color', async ({
  page,
}) => {
  await signIn(page);
  await page.goto('/blue-green');
  await expect(
    page.getByTestId('live-component:default/my-app@production'),
  ).toHaveText('green');
});
