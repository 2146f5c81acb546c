import { expect, test } from './support/test';
import { expectNoSeriousViolations } from './support/axe';
import {
  annotateDeployment,
  environments,
  pageHeight,
  releaseSummary,
  screenshot,
  signIn,
} from './support/blueGreen';

// test-pod's watch only alerts (blue-green.backstage.io/auto-rollback: 'false'), so a failing
// criterion stays on screen until a person rolls back: the state this test needs.
const TAB = '/catalog/default/component/test-pod/blue-green';
const API = '/api/blue-green/entities/default/component/test-pod';

async function selectedColor(): Promise<string> {
  const res = await fetch(
    `${process.env.E2E_SANDBOX_URL}/api/v1/namespaces/default/services/test-service`,
    { headers: { Authorization: `Bearer ${process.env.E2E_SANDBOX_TOKEN}` } },
  );
  return (await res.json()).spec.selector.color;
}

let failing: string | undefined;
test.afterAll(async () => {
  if (failing) {
    await annotateDeployment('default', `test-deployment-${failing}`, {
      'sandbox.bluegreen.dev/error-rate': null,
    });
  }
});

test('the header shows a failing watch and offers the rollback as the next action', async ({
  page,
}) => {
  test.setTimeout(330_000);
  await signIn(page);
  const token = page
    .waitForRequest(r => r.url().includes(`${API}`))
    .then(r => r.headers().authorization as string);
  await page.goto(TAB);
  const headers = { authorization: await token };

  // Promote test-pod through the backend, signing off what it needs, so its watch runs.
  const from = await selectedColor();
  const to = from === 'blue' ? 'green' : 'blue';
  const checklist = await page.request.get(`${API}/checklist?phase=pre`, {
    headers,
  });
  for (const item of (await checklist.json()).items) {
    if (item.kind === 'manual' && item.status !== 'pass') {
      await page.request.post(`${API}/checklist/${item.id}/sign-off`, {
        headers,
        data: { note: 'header browser test' },
      });
    }
  }
  // Earlier tests may have scaled the idle color down (the fleet's scale-down): bring it back.
  const scaled = await page.request.post(`${API}/scale`, {
    headers,
    data: { color: to, replicas: 4, reason: 'header browser test' },
  });
  expect(scaled.status()).toBe(200);
  await expect
    .poll(
      async () =>
        (
          await page.request.post(`${API}/promote`, {
            headers,
            data: { reason: 'header browser test' },
          })
        ).status(),
      { timeout: 150_000, intervals: [1000] },
    )
    .toBe(200);

  // 5 % errors on the new live color, the Kubernetes way.
  failing = to;
  await annotateDeployment('default', `test-deployment-${to}`, {
    'sandbox.bluegreen.dev/error-rate': '0.05',
  });

  const summary = releaseSummary(page);
  await expect(summary.live).toContainText(to);
  await expect(summary.last).toContainText(
    new RegExp(`watch failing on ${to}: 5xx ratio [\\d.]+ % > [\\d.]+ %`),
    { timeout: 120_000 },
  );
  const rollBack = summary.next.getByRole('button', {
    name: `Roll back to ${from} now…`,
  });
  await expect(rollBack).toBeEnabled();
  expect(await pageHeight(page, 'watch failing')).toBeLessThanOrEqual(1800);
  await expectNoSeriousViolations(page, { name: 'watch-failing' });
  await screenshot(page, 'blue-green-watch-failing.png');

  // The next action rolls back, after a reason.
  await rollBack.click();
  const dialog = page.getByRole('dialog');
  const reason = dialog.getByRole('textbox', { name: 'Reason' });
  await expect(reason).toBeFocused();
  await reason.fill('5xx on the new version');
  await dialog.getByRole('button', { name: /^Roll back/ }).click();
  await expect(summary.live).toContainText(from, { timeout: 30_000 });
  expect(await selectedColor()).toBe(from);

  await annotateDeployment('default', `test-deployment-${to}`, {
    'sandbox.bluegreen.dev/error-rate': null,
  });
  failing = undefined;

  // The charts mark the switches and the rollback threshold.
  await page.getByRole('tab', { name: 'Metrics' }).click();
  await expect(page.getByTestId('chart-errorRatio')).toHaveAttribute(
    'aria-label',
    /rollback threshold [\d.]+ %, \d+ switches marked/,
  );
  // The alert rules open in the tab, fetched with the user's credentials (a plain link gets 401).
  await page.getByRole('button', { name: 'Prometheus alert rules…' }).click();
  const rules = page.getByRole('dialog');
  await expect(rules).toContainText('"kind": "PrometheusRule"');
  await expect(rules.getByRole('button', { name: 'Download' })).toBeEnabled();
  await expectNoSeriousViolations(page, {
    include: ['[role="dialog"]'],
    name: 'monitoring-dialog',
  });
  await rules.getByRole('button', { name: 'Close' }).click();
});

test("someone else's Istio service: traffic controls disabled with the reason, no serious violations", async ({
  page,
}) => {
  await signIn(page);
  // my-app-mesh belongs to team-payments; the guest is in team-checkout.
  await page.goto('/catalog/default/component/my-app-mesh/blue-green');
  const summary = releaseSummary(page);
  await expect(summary.live).toContainText('blue');
  await page.getByRole('tab', { name: 'Environments' }).click();
  const route = page.getByRole('checkbox', { name: /Header route/ });
  await expect(route).toBeDisabled();
  await expect(
    page.getByText(/You may not change this entity’s traffic/),
  ).toBeVisible();
  expect(await pageHeight(page, 'Istio, not the owner')).toBeLessThanOrEqual(
    1800,
  );
  await expectNoSeriousViolations(page, { name: 'istio-non-owner' });
});

test('scaling the idle color: scaled to 0, scaled up as the next action, ready again without a reload', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await signIn(page);
  await page.goto(TAB);
  const idle = (await selectedColor()) === 'blue' ? 'green' : 'blue';
  const summary = releaseSummary(page);
  const card = environments(page)[idle];

  const scale = async (replicas: string) => {
    const dialog = page.getByRole('dialog');
    const reason = dialog.getByRole('textbox', { name: 'Reason' });
    await expect(reason).toBeFocused();
    await expectNoSeriousViolations(page, {
      include: ['[role="dialog"]'],
      name: `scale-dialog-${replicas}`,
    });
    await reason.fill(`browser test: ${replicas} replicas`);
    await dialog.getByRole('spinbutton', { name: 'Replicas' }).fill(replicas);
    await dialog.getByRole('button', { name: 'Scale' }).click();
    await expect(dialog).toBeHidden();
  };

  await page.getByRole('tab', { name: 'Environments' }).click();
  await card.getByRole('button', { name: `Scale ${idle}` }).click();
  await scale('0');
  await expect(summary.idle).toContainText(`${idle}`);
  await expect(summary.idle).toContainText('is scaled to 0');

  // Scaling up is the next action; the tab follows the pods until they are Ready.
  await summary.next.getByRole('button', { name: `Scale ${idle} up…` }).click();
  await scale('3');
  await expect(card.getByText('3/3 ready')).toBeVisible({ timeout: 30_000 });
  await expect(summary.idle).not.toContainText('scaled to 0');
});
