import { expect, test } from './support/test';
import { expectNoSeriousViolations } from './support/axe';
import {
  annotateDeployment,
  colorsAnswering,
  environments,
  pageHeight,
  releaseSummary,
  screenshot,
  serviceUrl,
  signIn,
} from './support/blueGreen';

/** Two screens at 1440×900: the tab must answer everything before this, nothing expanded. */
const TWO_SCREENS = 1800;

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
  const summary = releaseSummary(page);
  await expect(summary.live).toContainText('blue');
  // The next action is there, disabled, and says why.
  // (The next action's button, not Deploy beside it.)
  const next = summary.next.getByRole('button', { name: /…$/ });
  await expect(next).toBeDisabled();
  await expect(summary.next).toContainText(
    /you may not|you do not have permission/,
  );
  await page.getByRole('tab', { name: 'Environments' }).click();
  const { blue, green } = environments(page);
  await expect(blue).toBeVisible();
  await expect(green).toBeVisible();
  await expect(page.getByRole('button', { name: /^Promote/ })).toBeDisabled();
  await expect(
    page.getByText(
      'you do not have permission to promote this entity (blue-green.promote)',
    ),
  ).toBeVisible();
  await expectNoSeriousViolations(page, { name: 'argo-non-owner' });
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
  await expectNoSeriousViolations(page, { name: 'overview-card' });
});

test('sign off, promote my-app, watch it, and see the automatic rollback live', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await signIn(page);
  await page.goto(TAB);
  const summary = releaseSummary(page);

  // State 1, checks missing: blue is live, green waits for its sign-offs, and the next action
  // signs them off.
  await expect(summary.live).toContainText('blue');
  await expect(summary.idle).toContainText(/green .*waiting for \d+ sign-offs/);
  await expect(summary.last).toContainText('no switch yet');
  const signOffAll = summary.next.getByRole('button', {
    name: /^Sign off \d+ items/,
  });
  await expect(signOffAll).toBeEnabled();
  const service = serviceUrl('default', 'my-app');
  expect(await colorsAnswering(service)).toEqual(['blue']);
  await screenshot(page, 'blue-green-checks-missing.png');
  expect(await pageHeight(page, 'checks missing')).toBeLessThanOrEqual(
    TWO_SCREENS,
  );
  await expectNoSeriousViolations(page, { name: 'checks-missing' });

  // One dialog signs off every required item with one note; it focuses the note first.
  await signOffAll.click();
  let dialog = page.getByRole('dialog');
  const note = dialog.getByRole('textbox', { name: 'Note' });
  await expect(note).toBeFocused();
  await expect(dialog).toContainText('reset when it changes');
  await expectNoSeriousViolations(page, {
    include: ['[role="dialog"]'],
    name: 'sign-off-dialog',
  });
  await note.fill('checked by the browser test');
  await dialog.getByRole('button', { name: /^Sign off \d+ items$/ }).click();
  await expect(dialog).toBeHidden();

  // State 2, idle ready: the next action is the promote, naming the version.
  await expect(summary.idle).toContainText(/green .*is ready/, {
    timeout: 30_000,
  });
  await page.getByRole('tab', { name: 'Checklist' }).click();
  // Passing checks are folded; the sign-offs are among them.
  await page.getByRole('button', { name: /\d+ checks pass/ }).click();
  const checklist = page.getByRole('table', {
    name: /^Pre-deploy checklist.*, passing$/,
  });
  await expect(checklist.getByText(/^Withdraw$/).first()).toBeVisible();
  // Folded again, as the tab opens (the height below is measured with nothing expanded).
  await page.getByRole('button', { name: /\d+ checks pass/ }).click();
  await expect(checklist).toBeHidden();
  expect(await pageHeight(page, 'idle ready')).toBeLessThanOrEqual(TWO_SCREENS);
  await expectNoSeriousViolations(page, { name: 'idle-ready' });
  await screenshot(page, 'blue-green-ready.png');

  // Promote with a reason.
  const promote = summary.next.getByRole('button', { name: /^Promote green/ });
  await expect(promote).toBeEnabled();
  await promote.click();
  dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('Live traffic moves from blue → green');
  const reason = dialog.getByRole('textbox', { name: 'Reason' });
  await expect(reason).toBeFocused();
  await expectNoSeriousViolations(page, {
    include: ['[role="dialog"]'],
    name: 'promote-dialog',
  });
  await reason.fill('release v2');
  await dialog.getByRole('button', { name: 'Promote' }).click();
  await expect(page.getByText(/green is live\./)).toBeVisible();
  await expect(summary.live).toContainText('green');

  // The Service now answers with green, through its loopback address.
  await expect
    .poll(() => colorsAnswering(service), { timeout: 15_000 })
    .toEqual(['green']);

  // State 3, watch running: the header says so and the Watch tab shows the criteria.
  await expect(summary.last).toContainText(/promoted to green; watching/, {
    timeout: 15_000,
  });
  await summary.last.getByRole('button', { name: 'see watch' }).click();
  await expect(
    page.getByRole('table', { name: 'rollback criteria' }).first(),
  ).toBeVisible();
  await expect(page.getByTestId('watch-remaining')).toBeVisible();
  expect(await pageHeight(page, 'watch running')).toBeLessThanOrEqual(
    TWO_SCREENS,
  );
  await expectNoSeriousViolations(page, { name: 'watch-running' });
  await screenshot(page, 'blue-green-promoted.png');
  await page.getByRole('tab', { name: 'History' }).click();
  const history = page.getByTestId('history');
  await expect(history.getByText('release v2')).toBeVisible();

  // Inject 5 % errors into green, the Kubernetes way; the watch rolls back by itself and the tab
  // shows it without a reload.
  await annotateDeployment('default', 'my-app-green', {
    'sandbox.bluegreen.dev/error-rate': '0.05',
  });
  // State 5, rolled back automatically: the header says why, with the value and the threshold.
  await expect(summary.last).toContainText(
    /green rolled back automatically: 5xx ratio [\d.]+ % > [\d.]+ %/,
    { timeout: 180_000 },
  );
  await expect(summary.live).toContainText('blue');
  await expect(summary.next).toContainText(/[Dd]eploy/);
  // The watch came forward by itself; the history has the automatic rollback.
  await expect(
    page.getByRole('tab', { name: 'Watch', selected: true }),
  ).toBeVisible();
  await page.getByRole('tab', { name: 'History' }).click();
  await expect(
    history.getByText('automatic rollback', { exact: true }),
  ).toBeVisible();
  await expect
    .poll(() => colorsAnswering(service), { timeout: 15_000 })
    .toEqual(['blue']);
  // The success notice of the promote does not contradict the header.
  await expect(page.getByText(/green is live\./)).toHaveCount(0);
  await page.getByRole('tab', { name: 'Watch' }).click();
  expect(
    await pageHeight(page, 'rolled back automatically'),
  ).toBeLessThanOrEqual(TWO_SCREENS);
  await expectNoSeriousViolations(page, { name: 'rolled-back' });
  await screenshot(page, 'blue-green-rolled-back.png');
});
