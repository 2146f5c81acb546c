import { defineConfig } from '@playwright/test';

/**
 * Browser tests: Playwright driving Debian's Chromium (never a downloaded browser), headless,
 * against the real backend serving the built app. Global setup starts what the tests need on
 * free ports and passes the address in E2E_BASE_URL.
 */
export default defineConfig({
  testDir: 'packages/app/e2e-tests',
  testMatch: '**/*.test.ts',
  globalSetup: './packages/app/e2e-tests/support/globalSetup.ts',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [
    ['list'],
    ['json', { outputFile: 'test-results/playwright.json' }],
  ],
  outputDir: 'test-results/playwright',
  use: {
    viewport: { width: 1440, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
});
