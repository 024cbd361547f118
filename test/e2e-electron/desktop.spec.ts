import { expect, test } from '@playwright/test';
import type { BackendInfo } from '../../shared/backend.ts';
import type { BatchSummary } from '../../shared/batch.ts';
import { BAD_CORPUS, goodBatchText } from '../support/batchFiles.ts';
import { electronBinaryAvailable, SKIP_REASON } from './electronBinary.ts';
import { dropFile, invoke, launchDesktopApp, type DesktopApp } from './desktopApp.ts';

test.skip(!electronBinaryAvailable, SKIP_REASON);

let desktop: DesktopApp;
test.beforeEach(async () => {
  desktop = await launchDesktopApp();
});
test.afterEach(async () => {
  await desktop?.close();
});

async function startSimulator(): Promise<string> {
  const backend = await invoke<BackendInfo>(desktop.page, 'backends.startSimulator', {});
  return backend.id;
}

test('launches sandboxed on the app scheme and shows the Dashboard', async () => {
  const { app, page } = desktop;
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  expect(new URL(page.url()).protocol).toBe('batchdeck:');

  // The page sees the contract's Api and nothing of Node or Electron.
  const surface = await page.evaluate(() => {
    const w = window as unknown as Record<string, unknown> & { batchdeck: Record<string, unknown> };
    return {
      bridge: Object.keys(w.batchdeck).sort(),
      require: typeof w['require'],
      process: typeof w['process'],
      ipcRenderer: 'ipcRenderer' in w.batchdeck,
    };
  });
  expect(surface).toEqual({ bridge: ['invoke', 'on'], require: 'undefined', process: 'undefined', ipcRenderer: false });

  // app.enableSandbox() sandboxes every renderer, whatever a window's own options say.
  expect(await app.evaluate(({ app: electronApp }) => electronApp.commandLine.hasSwitch('enable-sandbox'))).toBe(true);

  // Navigation away and new windows are refused.
  await page.evaluate(() => { window.location.href = 'https://example.com/'; });
  await page.waitForTimeout(500);
  expect(new URL(page.url()).protocol).toBe('batchdeck:');
  expect(await page.evaluate(() => window.open('https://example.com/') === null)).toBe(true);
  expect(app.windows()).toHaveLength(1);
});

test('an unknown request is refused by the bridge, a bad input by the router', async () => {
  const { page } = desktop;
  const unknown = await page.evaluate(() => (window as unknown as { batchdeck: { invoke(n: string, i: unknown): Promise<unknown> } }).batchdeck
    .invoke('nope.nothing', {}).then(() => null, (e: { code?: string }) => e.code ?? null));
  expect(unknown).toBe('unknown_request');
  const invalid = await page.evaluate(() => (window as unknown as { batchdeck: { invoke(n: string, i: unknown): Promise<unknown> } }).batchdeck
    .invoke('batches.get', { id: 42 }).then(() => null, (e: { code?: string; issues?: unknown[] }) => ({ code: e.code, issues: e.issues?.length })));
  expect(invalid).toEqual({ code: 'invalid_input', issues: 1 });
});

test('a bad file dropped on the window shows its errors by line and creates nothing', async () => {
  const { page } = desktop;
  const bad = BAD_CORPUS.find((c) => c.name === 'invalid-json')!;
  await dropFile(page, 'bad.jsonl', bad.content());
  for (const e of bad.expected) await expect(page.getByText(`line ${e.line}`, { exact: false }).first()).toBeVisible();
  await expect(page.getByRole('button', { name: 'Submit batch' })).toBeDisabled();
  expect(await invoke<BatchSummary[]>(page, 'batches.list', { status: 'all' })).toEqual([]);
});

test('a good file submitted runs to completion without a reload and lands in Completed', async () => {
  const { page } = desktop;
  await startSimulator();
  const count = 200;
  await page.goto('batchdeck://app/index.html#/submit');
  await page.getByLabel('Drop a batch file (.jsonl)').setInputFiles({
    name: 'good.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(goodBatchText({ count })),
  });
  await page.getByRole('button', { name: 'Submit batch' }).click();
  await expect(page.getByText(`${count} / ${count}`).first()).toBeVisible({ timeout: 90_000 });
  const [batch] = await invoke<BatchSummary[]>(page, 'batches.list', { status: 'completed' });
  expect(batch?.counts).toMatchObject({ total: count, completed: count });

  await page.goto('batchdeck://app/index.html#/batches');
  await page.getByRole('tab', { name: 'Completed' }).click();
  const row = page.locator(`[data-batch-id="${batch!.id}"]`);
  await expect(row).toContainText(batch!.id);
  await expect(row).toContainText('completed');
  await expect(row).toContainText(`${count} / ${count}`);
});

test('a running batch is cancelled and keeps its partial results', async () => {
  const { page } = desktop;
  await startSimulator();
  const count = 2000; // the simulator answers ~80 req/s: long enough to cancel mid-run
  await dropFile(page, 'long.jsonl', goodBatchText({ count }));
  await page.getByRole('button', { name: 'Submit batch' }).click();
  // Running, with some results in: then cancel.
  await expect.poll(async () => {
    const [b] = await invoke<BatchSummary[]>(page, 'batches.list', { status: 'active' });
    return b?.status === 'in_progress' && b.counts.completed > 0;
  }, { timeout: 30_000 }).toBe(true);
  const cancel = page.getByRole('button', { name: 'Cancel batch' });
  await expect(cancel).toBeEnabled();
  await cancel.click();
  await page.getByRole('button', { name: 'Confirm cancel' }).click();
  await expect(page.getByText('cancelled').first()).toBeVisible({ timeout: 30_000 });
  const [batch] = await invoke<BatchSummary[]>(page, 'batches.list', { status: 'failed' });
  expect(batch?.status).toBe('cancelled');
  expect(batch!.counts.completed).toBeGreaterThan(0);
  expect(batch!.counts.completed).toBeLessThan(count);
});
