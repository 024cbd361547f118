import { dropFileOnWindow } from '../e2e/support/page.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron, type ElectronApplication, type Page } from '@playwright/test';
import { electronBinary, repoRoot } from './electronBinary.ts';

export interface DesktopApp {
  app: ElectronApplication;
  page: Page;
  userData: string;
  close(): Promise<void>;
}

/**
 * Starts the built app (`electron .`, package.json main = dist/app/main.cjs) with a fresh user-data
 * folder, so every test has its own SQLite file and its own single-instance lock.
 */
export async function launchDesktopApp(): Promise<DesktopApp> {
  if (!electronBinary) throw new Error('no Electron binary');
  const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'batchdeck-e2e-electron-'));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'ELECTRON_RUN_AS_NODE') env[k] = v;
  env['BATCHDECK_USER_DATA'] = userData;
  const app = await _electron.launch({ executablePath: electronBinary, args: [repoRoot], cwd: repoRoot, env, timeout: 60_000 });
  const page = await app.firstWindow();
  await page.waitForLoadState('domcontentloaded');
  return {
    app,
    page,
    userData,
    close: async () => {
      await app.close().catch(() => {});
      fs.rmSync(userData, { recursive: true, force: true });
    },
  };
}

/** A file dropped on the window the way the OS does it: a drop event carrying a File. */
export async function dropFile(page: Page, name: string, content: string | Buffer): Promise<void> {
  await dropFileOnWindow(page, name, Buffer.isBuffer(content) ? content.toString('utf8') : content);
}

/** Engine calls through the preload bridge, from the page: the same path every view takes. */
export function invoke<T>(page: Page, name: string, input: unknown = {}): Promise<T> {
  return page.evaluate(
    ([n, i]) => (window as unknown as { batchdeck: { invoke(n: string, i: unknown): Promise<unknown> } }).batchdeck.invoke(n, i),
    [name, input] as const,
  ) as Promise<T>;
}
