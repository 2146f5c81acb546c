import { expect, test } from './support/test';
import { screenshot, signIn } from './support/blueGreen';

const sandbox = (path: string, init?: RequestInit) =>
  fetch(`${process.env.E2E_SANDBOX_URL}${path}`, {
    ...init,
    headers: {
      Authorization: `Bearer ${process.env.E2E_SANDBOX_TOKEN}`,
      ...init?.headers,
    },
  }).then(r => r.json());

/** The color a Service selects, read from the cluster itself. */
async function selectedColor(namespace: string, service: string) {
  const svc = await sandbox(
    `/api/v1/namespaces/${namespace}/services/${service}`,
  );
  return svc.spec.selector.color as string;
}

const live = (page: any, name: string) =>
  page.getByTestId(`live-component:default/${name}@sandbox`);

test('the fleet lists the example services with their live colors, and follows a promote', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await signIn(page);
  const tokenOf = page
    .waitForRequest((r: any) => r.url().includes('/api/blue-green/fleet'))
    .then((r: any) => r.headers().authorization as string);
  await page.getByRole('link', { name: 'Blue/Green', exact: true }).click();
  await expect(page).toHaveURL(/\/blue-green$/);
  const authorization = await tokenOf;

  // Every example service, with the color the cluster says is live.
  await expect(live(page, 'my-app')).toHaveText(
    await selectedColor('default', 'my-app'),
  );
  await expect(live(page, 'test-pod')).toHaveText(
    await selectedColor('default', 'test-service'),
  );
  // The Argo Rollout's stable revision (1, blue) and the Istio weights (100/0) of the seeds.
  await expect(live(page, 'my-app-rollout')).toHaveText('blue');
  await expect(live(page, 'my-app-mesh')).toHaveText('blue');
  await expect(page.getByText(/Partial data/)).toHaveCount(0);
  await expect(
    page.getByRole('link', { name: 'test-pod', exact: true }),
  ).toHaveAttribute('href', '/catalog/default/component/test-pod/blue-green');

  // Promote test-pod through the backend, as the guest (its owner), signing off what needs it.
  const before = await selectedColor('default', 'test-service');
  const target = before === 'blue' ? 'green' : 'blue';
  const api = `/api/blue-green/entities/default/component/test-pod`;
  const headers = { authorization };
  const checklist = await page.request.get(`${api}/checklist?phase=pre`, {
    headers,
  });
  if (checklist.ok()) {
    for (const item of (await checklist.json()).items) {
      if (item.kind === 'manual' && item.status !== 'pass') {
        await page.request.post(`${api}/checklist/${item.id}/sign-off`, {
          headers,
          data: { note: 'fleet browser test' },
        });
      }
    }
  }
  await expect
    .poll(
      async () =>
        (
          await page.request.post(`${api}/promote`, {
            headers,
            data: { reason: 'fleet browser test' },
          })
        ).status(),
      { timeout: 60_000, intervals: [1000] },
    )
    .toBe(200);
  expect(await selectedColor('default', 'test-service')).toBe(target);

  // The fleet shows the new color once reloaded past its short cache.
  await page.getByRole('button', { name: 'Refresh' }).click();
  await expect(live(page, 'test-pod')).toHaveText(target);
  const row = page
    .getByRole('row')
    .filter({ has: page.getByRole('link', { name: 'test-pod', exact: true }) });
  await expect(row.getByText(`promote ${before} → ${target}`)).toBeVisible();
  await page.setViewportSize({ width: 1600, height: 1000 });
  await screenshot(page, 'fleet.png');
});
