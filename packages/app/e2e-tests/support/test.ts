import { test as base } from '@playwright/test';

/**
 * Playwright's `test`, aimed at the backend that global setup started (its port is only known
 * once global setup has run, after the config was read).
 */
export const test = base.extend({
  baseURL: async ({}, provide) => {
    const url = process.env.E2E_BASE_URL;
    if (!url) {
      throw new Error(
        'E2E_BASE_URL is not set; run through playwright.config.ts',
      );
    }
    await provide(url);
  },
});

export { expect } from '@playwright/test';
