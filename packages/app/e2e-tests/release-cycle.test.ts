import { expect, test } from './support/test';
import {
  colorsAnswering,
  environments,
  screenshot,
  serviceUrl,
  signIn,
} from './support/blueGreen';

const TAB = '/catalog/default/component/my-app/blue-green';

/**
 * A whole release through the UI after a rolled-back one: the tab says the idle color's version was
 * rolled back; the owner deploys a new version to the idle color, the preview Service reaches it,
 * its checklist starts unsigned and is signed off, promote puts it live and the watch starts.
 */
test('deploy a new version to the idle color, sign it off and promote it', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await signIn(page);
  await page.goto(TAB);
  const { blue, green } = environments(page);
  await expect(blue.getByText('live', { exact: true })).toBeVisible();

  // Deploy to the idle color with the dialog.
  const deploy = page.getByRole('button', { name: 'Deploy to green' });
  await expect(deploy).toBeEnabled();
  await deploy.click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('textbox', { name: 'Image' }).fill('my-app:3.0.0');
  await dialog.getByRole('textbox', { name: 'Version' }).fill('v3.0.0');
  await dialog.getByRole('textbox', { name: 'Reason' }).fill('release 3.0.0');
  await dialog.getByRole('button', { name: 'Deploy to green' }).click();
  await expect(dialog).toBeHidden();
  await expect(green.getByText('v3.0.0')).toBeVisible({ timeout: 60_000 });
  // A new version: no rolled-back notice, and the preview Service answers with it.
  await expect(page.getByTestId('answer-idle')).not.toContainText(
    'was rolled back',
  );
  await expect
    .poll(() => colorsAnswering(serviceUrl('default', 'my-app-preview')), {
      timeout: 30_000,
    })
    .toEqual(['green']);
  await expect(
    page.getByTestId('history').getByText('release 3.0.0'),
  ).toBeVisible();

  // Its checklist starts unsigned: sign off every manual item.
  const checklist = page.getByRole('table', { name: /^Pre-deploy checklist/ });
  const signOffButtons = checklist.getByRole('button', { name: /^Sign off / });
  await expect(signOffButtons.first()).toBeVisible({ timeout: 30_000 });
  while ((await signOffButtons.count()) > 0) {
    const button = signOffButtons.first();
    const label = await button.getAttribute('aria-label');
    await button.click();
    const signOff = page.getByRole('dialog');
    await signOff.getByRole('textbox', { name: 'Note' }).fill('v3.0.0 checked');
    await signOff.getByRole('button', { name: 'Sign off' }).click();
    await expect(signOff).toBeHidden();
    await expect(page.getByRole('button', { name: label! })).toHaveCount(0);
  }

  // Promote: green goes live and the watch starts.
  const promote = page.getByRole('button', { name: 'Promote green' });
  await expect(promote).toBeEnabled({ timeout: 60_000 });
  await promote.click();
  const confirm = page.getByRole('dialog');
  await confirm.getByRole('textbox', { name: 'Reason' }).fill('release 3.0.0');
  await confirm.getByRole('button', { name: 'Promote' }).click();
  await expect(green.getByText('live', { exact: true })).toBeVisible();
  await expect
    .poll(() => colorsAnswering(serviceUrl('default', 'my-app')), {
      timeout: 15_000,
    })
    .toEqual(['green']);
  await expect(
    page.getByRole('table', { name: 'rollback criteria' }).first(),
  ).toBeVisible({ timeout: 15_000 });
  await screenshot(page, 'blue-green-release-cycle.png');
});
