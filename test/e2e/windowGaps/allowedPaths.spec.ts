/**
 * Settings' "Allowed on this machine" panel in the browser window (issue 8 item 2): what serve was told it may
 * run and read, shown read-only, with the serve flags that set it; the browser cannot add to it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startStack, type Stack } from '../support/stack.ts';
import { openWindow } from '../support/page.ts';

let stack: Stack;
let llamaServer: string;
let modelsDir: string;
let keysDir: string;
let root: string;

test.beforeAll(async () => {
  // The allowed places exist on the machine, as an operator would pass them; serve is started after they do.
  root = fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'bd-allowed-'));
  llamaServer = path.join(root, 'opt llama', 'llama-server');
  modelsDir = path.join(root, 'models');
  keysDir = path.join(root, 'keys');
  fs.mkdirSync(path.dirname(llamaServer), { recursive: true });
  fs.writeFileSync(llamaServer, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  fs.mkdirSync(modelsDir);
  fs.mkdirSync(keysDir);
  stack = await startStack({ serveArgs: ['--llama-server', llamaServer, '--models-dir', modelsDir, '--ssh-keys-dir', keysDir] });
});

test.afterAll(async () => {
  await stack?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

test('Settings in a browser lists what serve was allowed to run and read, names its flags, and offers no way to add to it', async ({ page }) => {
  await openWindow(page, stack.url, '#/settings');
  const panel = page.getByRole('region', { name: 'Allowed on this machine' });
  await expect(panel).toBeVisible();

  // Each kind lists exactly the path given to its flag, beside the flag's name.
  const rows = [
    { label: 'llama-server programs', flag: '--llama-server', path: llamaServer },
    { label: 'Model folders', flag: '--models-dir', path: modelsDir },
    { label: 'SSH key folders', flag: '--ssh-keys-dir', path: keysDir },
  ];
  for (const r of rows) {
    const row = panel.getByLabel(r.label, { exact: true });
    await expect(row).toBeVisible();
    await expect(row.locator('dt')).toContainText(`(${r.flag})`);
    await expect(row.locator('dd code')).toHaveText([r.path]);
  }

  // The browser is not on the server's machine: it is told where the list is set, not offered a picker.
  await expect(panel).toContainText('Set on the machine that runs batchdeck serve, with --llama-server, --models-dir, --ssh-keys-dir');
  await expect(panel.getByRole('button')).toHaveCount(0);
  await expect(page.getByRole('button', { name: /Choose/ })).toHaveCount(0);
  await expect(panel.locator('input, select, textarea')).toHaveCount(0);

  // Nor can a client of the API add to it: the native picker is the desktop window's alone.
  await expect(stack.call('operator.pick', { kind: 'modelsDir' })).rejects.toThrow(/desktop window only/);
  await page.reload();
  await expect(panel.getByLabel('Model folders', { exact: true }).locator('dd code')).toHaveText([modelsDir]);
});
