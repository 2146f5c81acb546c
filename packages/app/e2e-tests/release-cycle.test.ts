import { expect, test } from './support/test';
import {
  colorsAnswering,
  environments,
  releaseSummary,
  screenshot,
  serviceUrl,
  signIn,
} from './support/blueGreen';

const TAB = '/catalog/default/component/my-app/blue-green';

/**
 * A whole release through the UI after a rolled-back one: the owner deploys a new version to the
 * idle color from the header, the preview Service reaches it, its checklist starts unsigned and is
 * signed off, promote puts it live and the watch starts.
 */
test('deploy a new version to the idle color, sign it off and promote it', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await signIn(page);
  await page.goto(TAB);
  const summary = releaseSummary(page);
  await expect(summary.live).toContainText('blue');

  // Deploy to the idle color from the header, with the dialog.
  const deploy = summary.next.getByRole('button', { name: 'Deploy to green' });
  await expect(deploy).toBeEnabled();
  await deploy.click();
  let dialog = page.getByRole('dialog');
  await dialog.getByRole('textbox', { name: 'Image' }).fill('my-app:3.0.0');
  await dialog.getByRole('textbox', { name: 'Version' }).fill('v3.0.0');
  await dialog.getByRole('textbox', { name: 'Reason' }).fill('release 3.0.0');
  await dialog.getByRole('button', { name: 'Deploy to green' }).click();
  await expect(dialog).toBeHidden();
  await page.getByRole('tab', { name: 'Environments' }).click();
  const { green } = environments(page);
  await expect(green.getByText('v3.0.0')).toBeVisible({ timeout: 60_000 });
  // A new version: the header no longer says it was rolled back, and the preview Service answers
  // with it.
  await expect(summary.idle).toContainText('green v3.0.0');
  await expect(summary.idle).not.toContainText('was rolled back');
  await expect
    .poll(() => colorsAnswering(serviceUrl('default', 'my-app-preview')), {
      timeout: 30_000,
    })
    .toEqual(['green']);
  await page.getByRole('tab', { name: 'History' }).click();
  await expect(
    page.getByTestId('history').getByText('release 3.0.0'),
  ).toBeVisible();

  // Its checklist starts unsigned: the next action signs off every manual item.
  const signOffAll = summary.next.getByRole('button', {
    name: /^Sign off \d+ items?/,
  });
  // (A metric check may still read the rolled-back version's errors for one rate window.)
  await expect(signOffAll).toBeEnabled({ timeout: 90_000 });
  await signOffAll.click();
  dialog = page.getByRole('dialog');
  await dialog.getByRole('textbox', { name: 'Note' }).fill('v3.0.0 checked');
  await dialog.getByRole('button', { name: /^Sign off/ }).click();
  await expect(dialog).toBeHidden();

  // Promote: green goes live and the watch starts.
  const promote = summary.next.getByRole('button', { name: /^Promote green/ });
  await expect(promote).toBeEnabled({ timeout: 60_000 });
  await promote.click();
  dialog = page.getByRole('dialog');
  await dialog.getByRole('textbox', { name: 'Reason' }).fill('release 3.0.0');
  await dialog.getByRole('button', { name: 'Promote' }).click();
  await expect(summary.live).toContainText('green');
  await expect
    .poll(() => colorsAnswering(serviceUrl('default', 'my-app')), {
      timeout: 15_000,
    })
    .toEqual(['green']);
  await expect(
    page.getByRole('table', { name: 'rollback criteria' }).first(),
  ).toBeVisible({ timeout: 15_000 });
  // The watch's first evaluation fills the criteria.
  await expect(page.getByTestId('criterion-error-rate').first()).toBeVisible({
    timeout: 30_000,
  });
  await screenshot(page, 'blue-green-release-cycle.png');
});
