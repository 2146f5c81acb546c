import { defineConfig } from '@playwright/test';
import base from './playwright.config';

/**
 * The frontend benchmark (`yarn workspace app bench`): same browser and global setup as the
 * browser tests, but only `*.bench.ts`, never part of the test command.
 */
export default defineConfig({
  ...base,
  testDir: 'packages/app/e2e-tests/bench',
  testMatch: '**/*.bench.ts',
  reporter: [['list']],
  outputDir: 'test-results/bench',
});
