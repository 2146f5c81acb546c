import { defineConfig } from '@playwright/test';
import base from './playwright.config';

/**
 * The browser half of the adopter test (scripts/adopter-test.sh): the fresh app that script created,
 * wired from the plugin READMEs and built, served by its own built backend against a sandbox
 * cluster and a real Prometheus. ADOPTER_APP_DIR names the app.
 */
export default defineConfig({
  ...base,
  testDir: 'packages/app/e2e-tests/adopter',
  testMatch: '**/*.adopter.ts',
  globalSetup: './packages/app/e2e-tests/adopter/globalSetup.ts',
  reporter: [
    ['list'],
    ['json', { outputFile: 'test-results/adopter-playwright.json' }],
  ],
  outputDir: 'test-results/adopter-playwright',
});
