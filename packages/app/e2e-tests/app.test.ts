import { expect, test } from './support/test';
import { join } from 'node:path';
import { repoRoot } from './support/backend';
import { signIn } from './support/blueGreen';

test('a guest finds the Blue/Green tab on my-app', async ({ page }) => {
  await signIn(page);
  await page.goto('/catalog/default/component/my-app');
  await expect(page.getByRole('heading', { name: 'my-app' })).toBeVisible();

  const tab = page
    .getByRole('navigation', { name: 'Content navigation' })
    .getByRole('link', { name: 'Blue/Green' });
  await expect(tab).toBeVisible();
  await tab.click();

  await expect(page).toHaveURL(
    /\/catalog\/default\/component\/my-app\/blue-green/,
  );
  await expect(
    page.getByText('service-selector · cluster sandbox · namespace default'),
  ).toBeVisible();
  await expect(page.getByTestId('answer-live')).toContainText('blue');
  await page.getByRole('tab', { name: 'Environments' }).click();
  await expect(
    page.getByRole('region', { name: 'blue environment' }),
  ).toBeVisible();
  await expect(
    page
      .getByRole('region', { name: 'green environment' })
      .getByText('my-app-green', { exact: true }),
  ).toBeVisible();

  await page.screenshot({
    path: join(repoRoot, 'docs/screenshots/blue-green-tab.png'),
    fullPage: true,
  });
});

test('entities without the annotation get no Blue/Green tab', async ({
  page,
}) => {
  // Navigating before the sign-in has finished lands back on the sign-in page.
  await signIn(page);
  await page.goto('/catalog/default/system/storefront');
  await expect(page.getByRole('heading', { name: 'storefront' })).toBeVisible();
  const tabs = page.getByRole('navigation', { name: 'Content navigation' });
  await expect(tabs.getByRole('link', { name: 'Overview' })).toBeVisible();
  await expect(tabs.getByRole('link', { name: 'Blue/Green' })).toHaveCount(0);
});
