import { defineConfig } from '@playwright/test';

/**
 * Playwright `_electron` specs of the desktop app. They run wherever an Electron binary exists and skip
 * (with the reason) elsewhere: this machine cannot download it, and the renderer's flows are covered there
 * by the Chromium specs against `batchdeck serve`.
 *
 *   npx playwright test -c test/e2e-electron/playwright.config.ts
 */
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  globalSetup: './globalSetup.ts',
  // One Electron app per test, each with its own user-data folder; the machines have two cores.
  workers: 1,
  fullyParallel: false,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  retries: 0,
  reporter: [['list']],
  outputDir: '../../test-results/e2e-electron',
  use: { trace: 'retain-on-failure', screenshot: 'only-on-failure' },
});
