/**
 * An expired batch in the window (issue 12 item 2). The engine runs in this process with a clock the test moves
 * forward (serve has no test clock on purpose), behind the same HTTP server and window serve has; the backend
 * is a real, slow `batchdeck simulate`. A batch created through the openai SDK with a one-hour window is
 * running when its window ends: the open window turns it to expired by itself, with the results it kept and
 * the rest failed as batch_expired, in its detail and under Batches.
 */
import { expect, test, type Locator } from '@playwright/test';
import { toFile } from 'openai';
import { chatLines } from '../../support/batchApi.ts';
import { startSimulatorProcess, type Spawned } from '../../support/processes.ts';
import { startInProcessServer, type InProcessServer } from '../../integration/api/inProcessServer.ts';
import { openWindow } from '../support/page.ts';

const SLOW = 'slow-model';
const TOTAL = 300;

let sim: Spawned;
let server: InProcessServer;

test.beforeAll(async () => {
  // 2 slots of 200 ms: about 10 requests a second, so 300 are far from done when the window ends.
  sim = await startSimulatorProcess(['--port', '0', '--model', SLOW, '--latency-ms', '200', '--slots', '2']);
  server = await startInProcessServer([sim.url], 2);
});

test.afterAll(async () => {
  await server?.close();
  await sim?.kill('SIGTERM');
});

/** The value beside a label in the batch header's facts. */
function fact(scope: Locator, label: string): Locator {
  return scope.locator('dl > div').filter({ has: scope.page().locator('dt', { hasText: new RegExp(`^${label}$`) }) }).locator('dd');
}

test('a running batch whose completion window ends shows as expired, with the results it kept and the rest failed as batch_expired', async ({ page }) => {
  const url = server.http.url;
  const file = await server.client.files.create({ file: await toFile(Buffer.from(chatLines(TOTAL, { model: SLOW, prefix: 'x' })), 'window.jsonl'), purpose: 'batch' });
  const created = await server.client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '1h' as '24h' });
  expect(created.completion_window).toBe('1h');

  await openWindow(page, url, `#/batches/${created.id}`);
  const header = page.locator('.batch-header');
  const status = header.locator('[data-status]').first();
  await expect(status).toHaveAttribute('data-status', 'in_progress');
  await expect.poll(async () => (await server.client.batches.retrieve(created.id)).request_counts?.completed ?? 0, { timeout: 30_000 }).toBeGreaterThan(5);

  // The hour passes (on the engine's clock); the open page follows by itself, without a reload.
  server.clock.advance(61 * 60_000);
  await expect(status).toHaveAttribute('data-status', 'expired', { timeout: 10_000 });
  await expect(status).toHaveText('expired');

  const after = await server.client.batches.retrieve(created.id);
  expect(after.status).toBe('expired');
  const kept = after.request_counts!.completed;
  const lost = after.request_counts!.failed;
  expect(kept).toBeGreaterThan(5);
  expect(kept).toBeLessThan(TOTAL);
  expect(kept + lost).toBe(TOTAL);

  // Its counts, as the engine holds them: kept results, the rest failed; every request accounted for.
  await expect(fact(header, 'Completed')).toHaveText(kept.toLocaleString('en-US'));
  await expect(fact(header, 'Failed')).toHaveText(lost.toLocaleString('en-US'));
  await expect(fact(header, 'Pending')).toHaveText('0');
  await expect(fact(header, 'In flight')).toHaveText('0');
  await expect(page.locator('.batch-header__count')).toHaveText(`${TOTAL} / ${TOTAL}`);
  await expect(page.getByRole('heading', { name: `Dead letters (${lost})` })).toBeVisible();
  const dead = page.getByRole('table', { name: 'Dead letters' });
  // Each says why, in OpenAI's code (the first rows of the virtualized list; the error file has them all).
  const firstDead = dead.getByRole('row').nth(1);
  await expect(firstDead).toContainText('batch_expired');
  await expect(firstDead).toContainText("The batch's completion window (1h) ended");

  // It is over: nothing on the page offers to run it again or cancel it.
  await expect(page.getByRole('button', { name: 'Cancel batch' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Pause' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Retry failed' })).toBeDisabled();

  // Batches: under Failed (failed, expired, cancelled), no longer under Active, with the same count.
  await page.getByRole('link', { name: '← Batches' }).click();
  await expect(page.locator(`[role="row"][data-batch-id="${created.id}"]`)).toHaveCount(0);
  await page.getByRole('tab', { name: /Failed/ }).click();
  const row = page.locator(`[role="row"][data-batch-id="${created.id}"]`);
  await expect(row.locator('[data-status]')).toHaveAttribute('data-status', 'expired');
  await expect(row).toContainText('expired');
  await expect(row).toContainText(`${TOTAL} / ${TOTAL}`);
  await expect(row.getByRole('cell').nth(3)).toHaveText(String(lost));

  // A fresh page load reads the same from the engine.
  await page.reload();
  await expect(page.locator(`[role="row"][data-batch-id="${created.id}"]`)).toContainText('expired');
});
