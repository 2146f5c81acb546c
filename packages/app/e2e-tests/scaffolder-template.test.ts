import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from './support/backend';
import { environments, screenshot, signIn } from './support/blueGreen';
import { expect, test } from './support/test';

/**
 * The blue/green service template run in the demo app: the form, the task, and the new entity's
 * Blue/Green tab showing both colors from the sandbox cluster. The service is published to
 * `.data/scaffolded/<name>` (app-config.yaml, blueGreen.scaffolder.localDirectory), removed after.
 */
const name = `e2e-${Date.now().toString(36)}`;

test.afterAll(async () => {
  await rm(join(repoRoot, '.data/scaffolded', name), {
    recursive: true,
    force: true,
  });
});

test('create a blue/green service from the template and see both colors on its Blue/Green tab', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await signIn(page);

  // The catalog may still be reading the template files when the backend reports ready.
  const card = page
    .locator('article, div')
    .filter({ has: page.getByText('Blue/green service', { exact: true }) })
    .filter({ has: page.getByRole('button', { name: 'Choose' }) })
    .last();
  await expect(async () => {
    await page.goto('/create');
    await expect(card).toBeVisible({ timeout: 5_000 });
  }).toPass({ timeout: 60_000 });
  await card.getByRole('button', { name: 'Choose' }).click();

  // Step 1: the service and its owner.
  await page.getByRole('textbox', { name: 'Name' }).fill(name);
  await page
    .getByRole('textbox', { name: 'Description' })
    .fill('Created by the browser test');
  const owner = page.getByRole('textbox', { name: 'Owner' });
  await owner.click();
  await owner.fill('team-checkout');
  await page.getByRole('option', { name: /team-checkout/ }).click();
  await page.getByRole('button', { name: 'Next' }).click();

  // Step 2: the deployment, with the template's defaults.
  await expect(page.getByText('Switch strategy')).toBeVisible();
  await page.getByRole('textbox', { name: 'Namespace' }).fill('scaffolded');
  await screenshot(page, 'scaffolder-template-form.png');
  await page.getByRole('button', { name: 'Review' }).click();
  await page.getByRole('button', { name: 'Create' }).click();

  // The task: render, apply, register.
  const open = page.getByRole('link', { name: 'Open in the catalog' });
  await expect(open).toBeVisible({ timeout: 90_000 });
  await screenshot(page, 'scaffolder-task.png');
  await open.click();

  await expect(page.getByRole('heading', { name })).toBeVisible();
  await page
    .getByRole('navigation', { name: 'Content navigation' })
    .getByRole('link', { name: 'Blue/Green' })
    .click();
  await expect(page).toHaveURL(
    new RegExp(`/catalog/default/component/${name}/blue-green`),
  );

  // A new service opens on its checklist (sign-offs are what it waits for): both colors are one
  // tab away.
  await page.getByRole('tab', { name: 'Environments' }).click();
  const { blue, green } = environments(page);
  await expect(blue.getByText(`${name}-blue`, { exact: true })).toBeVisible();
  await expect(green.getByText(`${name}-green`, { exact: true })).toBeVisible();
  await expect(blue.getByText('live', { exact: true })).toBeVisible();
  await expect(green.getByText('idle', { exact: true })).toBeVisible();
  await expect(blue.getByText('2/2', { exact: false }).first()).toBeVisible();
  await expect(green.getByText('2/2', { exact: false }).first()).toBeVisible();
  // The top of the tab: traffic and both environments (the full page is the checklist too).
  await page.setViewportSize({ width: 1440, height: 1400 });
  await page.screenshot({
    path: join(repoRoot, 'docs/screenshots/scaffolder-created-service.png'),
  });
});
