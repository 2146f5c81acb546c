import { expect, test } from './support/test';
import {
  annotateDeployment,
  colorsAnswering,
  environments,
  screenshot,
  serviceUrl,
  signIn,
} from './support/blueGreen';

const TAB = '/catalog/default/component/my-app/blue-green';

test.describe.configure({ mode: 'serial' });

test.afterAll(async () => {
  await annotateDeployment('default', 'my-app-green', {
    'sandbox.bluegreen.dev/error-rate': null,
  });
});

test('a non-owner sees why promote is disabled', async ({ page }) => {
  await signIn(page);
  // my-app-rollout belongs to team-payments; the guest is in team-checkout.
  await page.goto('/catalog/default/component/my-app-rollout/blue-green');
  const { blue, green } = environments(page);
  await expect(blue).toBeVisible();
  await expect(green).toBeVisible();
  await expect(page.getByRole('button', { name: /^Promote/ })).toBeDisabled();
  await expect(
    page.getByText(
      'you do not have permission to promote this entity (blue-green.promote)',
    ),
  ).toBeVisible();
  await screenshot(page, 'blue-green-argo-denied.png');
});

test('the overview shows the compact Blue/Green card', async ({ page }) => {
  await signIn(page);
  await page.goto('/catalog/default/component/my-app');
  const card = page
    .locator('article, div')
    .filter({ has: page.getByText('Blue/Green', { exact: true }) })
    // The pre-deploy checklist still waits for its sign-offs, and the card says which.
    .filter({ hasText: 'promote not possible: sign-off missing' })
    .last();
  await expect(card).toBeVisible();
});

test('sign off, promote my-app, watch it, and see the automatic rollback live', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await signIn(page);
  await page.goto(TAB);

  const { blue, green } = environments(page);
  await expect(blue).toBeVisible();
  await expect(green).toBeVisible();
  await expect(blue.getByText('live', { exact: true })).toBeVisible();
  await expect(green.getByText('idle', { exact: true })).toBeVisible();
  const service = serviceUrl('default', 'my-app');
  expect(await colorsAnswering(service)).toEqual(['blue']);

  // Pre-deploy checklist: sign off every manual item (issue 9's backend).
  const checklist = page.getByRole('table', { name: /^Pre-deploy checklist/ });
  await expect(checklist).toBeVisible();
  const signOffButtons = checklist.getByRole('button', { name: /^Sign off / });
  await expect(signOffButtons.first()).toBeVisible();
  while ((await signOffButtons.count()) > 0) {
    const button = signOffButtons.first();
    const label = await button.getAttribute('aria-label');
    await button.click();
    const dialog = page.getByRole('dialog');
    await dialog
      .getByRole('textbox', { name: 'Note' })
      .fill(`checked by the browser test: ${label}`);
    await dialog.getByRole('button', { name: 'Sign off' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('button', { name: label! })).toHaveCount(0);
  }
  await expect(checklist.getByText(/^Withdraw$/).first()).toBeVisible();
  await screenshot(page, 'blue-green-ready.png');

  // Promote with a reason.
  const promote = page.getByRole('button', { name: 'Promote green' });
  await expect(promote).toBeEnabled();
  await promote.click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('Live traffic moves from blue → green');
  await dialog.getByRole('textbox', { name: 'Reason' }).fill('release v2');
  await dialog.getByRole('button', { name: 'Promote' }).click();
  await expect(page.getByText(/green is live\./)).toBeVisible();
  await expect(green.getByText('live', { exact: true })).toBeVisible();

  // The Service now answers with green, through its loopback address.
  await expect
    .poll(() => colorsAnswering(service), { timeout: 15_000 })
    .toEqual(['green']);
  const history = page.getByTestId('history');
  await expect(history.getByText('release v2')).toBeVisible();
  await screenshot(page, 'blue-green-promoted.png');

  // Post-deploy watch (issue 9's backend).
  const watchCard = page
    .getByRole('table', { name: 'rollback criteria' })
    .first();
  await expect(watchCard).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId('watch-remaining')).toBeVisible();
  await screenshot(page, 'blue-green-promoted.png');

  // Inject 5 % errors into green, the Kubernetes way; the watch rolls back by itself and the tab
  // shows it without a reload.
  await annotateDeployment('default', 'my-app-green', {
    'sandbox.bluegreen.dev/error-rate': '0.05',
  });
  await expect(
    history.getByText('automatic rollback', { exact: true }),
  ).toBeVisible({
    timeout: 180_000,
  });
  await expect(blue.getByText('live', { exact: true })).toBeVisible();
  await expect
    .poll(() => colorsAnswering(service), { timeout: 15_000 })
    .toEqual(['blue']);
  await screenshot(page, 'blue-green-rolled-back.png');
});
