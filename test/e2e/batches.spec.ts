/**
 * The batch flows of the window, in Chromium against a real `batchdeck serve` and real `batchdeck simulate`
 * backends: drop, validate, submit, watch, cancel, retry, download, and a batch from another client.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import OpenAI, { toFile } from 'openai';
import type { BatchSummary } from '../../shared/batch.ts';
import { REPO } from '../support/processes.ts';
import { submitText } from '../support/batchApi.ts';
import { startStack, type Stack } from './support/stack.ts';
import { dropFileOnWindow, openWindow, rowSeenAt, watchRowsAppear } from './support/page.ts';

const FAST = 'sim-model';
/** Served slowly (2 slots, 150 ms each: about 13 requests a second), so a batch stays running long enough to act on. */
const SLOW = 'slow-model';
const FLAKY = 'flaky-model';

function requestLine(i: number, model: string, tweak?: (r: Record<string, unknown>) => void): string {
  const r: Record<string, unknown> = {
    custom_id: `q-${i}`,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model, messages: [{ role: 'user', content: `Question ${i}: what is ${i} squared?` }], max_tokens: 8 },
  };
  tweak?.(r);
  return JSON.stringify(r);
}

function batchFile(n: number, model: string): string {
  return Array.from({ length: n }, (_, i) => requestLine(i + 1, model)).join('\n') + '\n';
}

let stack: Stack;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  stack = await startStack({
    simulators: [
      ['--slots', '16'],
      ['--model', SLOW, '--latency-ms', '150', '--slots', '2'],
    ],
    gpuCapture: 'datakit__gtx-8card.xml',
    settings: { gpuPollIntervalMs: 500 },
  });
});

test.afterAll(async () => {
  await stack?.stop();
});

async function batchRow(page: Page, id: string) {
  return page.locator(`[role="row"][data-batch-id="${id}"]`);
}

test('a bad file dropped on the window shows every error by its line and creates nothing', async ({ page }) => {
  await openWindow(page, stack.url);
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  const bad = [
    requestLine(1, FAST),
    requestLine(2, FAST).slice(0, 30), // cut off mid-object
    requestLine(3, FAST),
    requestLine(4, FAST, (r) => { r.method = 'GET'; }),
    requestLine(5, FAST, (r) => { r.custom_id = 'q-1'; }),
  ].join('\n') + '\n';
  // Dropped on the Dashboard, not on the drop zone: the window takes it to Submit.
  await dropFileOnWindow(page, 'bad.jsonl', bad);

  const errors = page.getByRole('list', { name: 'Validation errors' }).getByRole('listitem');
  await expect(errors).toHaveCount(3);
  await expect(errors.nth(0)).toContainText('line 2: not valid JSON');
  await expect(errors.nth(1)).toContainText('line 4: method must be "POST"');
  await expect(errors.nth(2)).toContainText('line 5: duplicate custom_id "q-1"');
  await expect(page.getByRole('button', { name: 'Submit batch' })).toBeDisabled();

  expect(await stack.call('batches.list', { status: 'all' })).toEqual([]);
  expect((await stack.call('app.snapshot', {})).queue).toMatchObject({ queued: 0, inProgress: 0, completed: 0 });
});

test('a good 2,000-request file dropped and submitted runs to 2000 / 2000 without a reload, lands in Completed, and its results download', async ({ page }) => {
  let loads = 0;
  page.on('load', () => { loads += 1; });
  await openWindow(page, stack.url);
  await page.evaluate(() => { (window as unknown as { __sameDocument: boolean }).__sameDocument = true; });
  const loadsBefore = loads;

  await dropFileOnWindow(page, 'questions.jsonl', batchFile(2000, FAST));
  await expect(page.getByText('questions.jsonl').first()).toBeVisible();
  await expect(page.getByText(/2,000 requests/)).toBeVisible();
  await page.getByLabel('Batch name').fill('Two thousand questions');
  await expect(page.getByLabel('Model')).toHaveValue(FAST);
  const submit = page.getByRole('button', { name: 'Submit batch' });
  await expect(submit).toBeEnabled();
  await submit.click();

  // The window goes to the new batch and counts up to the end by itself.
  const header = page.locator('.batch-header');
  await expect(header).toBeVisible();
  const id = await header.getAttribute('data-batch-id');
  expect(id).toBeTruthy();
  await expect(page.locator('.batch-header__count')).toHaveText('2000 / 2000', { timeout: 60_000 });
  await expect(header.locator('[data-status]').first()).toHaveAttribute('data-status', 'completed');

  // Completed tab: its row, with id, status word and progress.
  await page.goto(`${stack.url}/#/batches?tab=completed`);
  await expect(page.getByRole('tab', { name: /Completed/ })).toHaveAttribute('aria-selected', 'true');
  const row = await batchRow(page, id!);
  await expect(row).toBeVisible();
  await expect(row).toContainText(id!);
  await expect(row).toContainText('completed');
  await expect(row).toContainText('2000 / 2000');
  await page.getByRole('tab', { name: /Active/ }).click();
  await expect(row).toHaveCount(0);

  // Only hash navigations: the document was never reloaded.
  expect(loads).toBe(loadsBefore);
  expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);

  // Download results: the browser receives the output file, one line per request, in input order.
  await page.goto(`${stack.url}/#/batches/${id}`);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download results' }).click(),
  ]);
  const file = await download.path();
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  expect(lines).toHaveLength(2000);
  const first = JSON.parse(lines[0]!) as { custom_id: string; response: { status_code: number; body: { choices: unknown[] } }; error: unknown };
  expect(first.custom_id).toBe('q-1');
  expect(first.response.status_code).toBe(200);
  expect(first.response.body.choices.length).toBeGreaterThan(0);
  expect(first.error).toBeNull();
  expect((JSON.parse(lines[1999]!) as { custom_id: string }).custom_id).toBe('q-2000');
  // A link to the engine's file, not a copy held by the page.
  expect(download.url()).toBe(`${stack.url}/v1/files/${(await stack.call('batches.get', { id: id! })).outputFileId}/content`);
  expect(download.suggestedFilename()).toBe(`${id}_output.jsonl`);
});

test('the Dashboard shows a running batch beside the GPU cards (the README screenshot)', async ({ page }) => {
  const batch = await submitText(stack.url, { name: 'Nightly eval: 400 prompts', content: batchFile(400, SLOW) });
  try {
    await openWindow(page, stack.url);
    const active = page.getByRole('list', { name: 'Active batches' }).locator(`[data-batch-id="${batch.id}"]`);
    await expect(active).toBeVisible();
    await expect(active.locator('.active-batch__count')).not.toHaveText(/^0 \//, { timeout: 20_000 });
    await expect(page.locator('article.gpu-card')).toHaveCount(8);
    await expect(page.getByRole('article', { name: 'GPU 7 Tesla V100S-PCIE-32GB on This machine' })).toBeVisible();
    // Let the throughput settle to a steady figure before the picture.
    await page.waitForTimeout(2500);
    await page.screenshot({ path: path.join(REPO, 'docs/screenshot-dashboard.png'), fullPage: true });
  } finally {
    await stack.call('batches.cancel', { id: batch.id });
  }
});

test('a running batch is cancelled from its page and keeps its partial results', async ({ page }) => {
  const total = 400;
  // This time through the file picker of the drop zone, as a keyboard user would.
  await openWindow(page, stack.url, '#/submit');
  await page.getByLabel('Drop a batch file (.jsonl)').setInputFiles({ name: 'slow.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(batchFile(total, SLOW)) });
  await expect(page.getByText(/400 requests/)).toBeVisible();
  await page.getByRole('button', { name: 'Submit batch' }).click();
  const header = page.locator('.batch-header');
  await expect(header.locator('[data-status]').first()).toHaveAttribute('data-status', 'in_progress');
  const id = (await header.getAttribute('data-batch-id'))!;
  // Some results in, most still to come.
  await expect.poll(async () => (await stack.call('batches.get', { id })).counts.completed, { timeout: 30_000 }).toBeGreaterThan(10);

  // Cancelling is irreversible: the first click only asks; the batch runs on until the separate confirm.
  await page.getByRole('button', { name: 'Cancel batch' }).click();
  await expect(page.getByRole('button', { name: 'Confirm cancel' })).toBeVisible();
  expect((await stack.call('batches.get', { id })).status).toBe('in_progress');
  await page.getByRole('button', { name: 'Confirm cancel' }).click();
  await expect(header.locator('[data-status]').first()).toHaveAttribute('data-status', 'cancelled', { timeout: 30_000 });
  await expect(page.getByRole('button', { name: 'Cancel batch' })).toBeDisabled();

  const after: BatchSummary = await stack.call('batches.get', { id });
  expect(after.status).toBe('cancelled');
  expect(after.counts.completed).toBeGreaterThan(0);
  expect(after.counts.completed).toBeLessThan(total);
  // The header shows the same partial count the engine holds, and it stays put.
  await expect(page.locator('.batch-header__count')).toHaveText(`${after.counts.completed + after.counts.failed} / ${total}`);

  // The partial results are kept: the table shows them and they download.
  const results = page.getByRole('table', { name: 'Results' });
  await expect(results.getByRole('row').filter({ hasText: 'q-1' }).first()).toContainText('succeeded');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download results' }).click(),
  ]);
  const lines = fs.readFileSync(await download.path(), 'utf8').split('\n').filter((l) => l.trim() !== '');
  expect(lines).toHaveLength(after.counts.completed);

  // It is listed under Failed (cancelled, expired and failed batches), no longer under Active.
  await page.goto(`${stack.url}/#/batches?tab=failed`);
  const row = await batchRow(page, id);
  await expect(row).toContainText('cancelled');
  await expect(row).toContainText(`${after.counts.completed + after.counts.failed} / ${total}`);
});

test('failed requests are retried with "Retry failed" and all complete; the dead letters empty', async ({ page }) => {
  const total = 40;
  const broken = await stack.startSimulator(['--model', FLAKY, '--error-rate', '1', '--slots', '4']);
  const brokenBackend = await stack.call('backends.add', { name: 'broken', baseUrl: broken.url, maxConcurrency: 4 });
  await stack.call('settings.update', { maxAttempts: 1 });
  try {
    await expect.poll(async () => (await stack.call('backends.list', {})).find((b) => b.id === brokenBackend.id)?.models ?? []).toContain(FLAKY);
    await openWindow(page, stack.url);
    await dropFileOnWindow(page, 'flaky.jsonl', batchFile(total, FLAKY));
    await page.getByRole('button', { name: 'Submit batch' }).click();

    const header = page.locator('.batch-header');
    await expect(page.locator('.batch-header__count')).toHaveText(`${total} / ${total}`, { timeout: 30_000 });
    await expect(header.locator('[data-status]').first()).toHaveAttribute('data-status', 'completed');
    const id = (await header.getAttribute('data-batch-id'))!;
    expect((await stack.call('batches.get', { id })).counts).toMatchObject({ completed: 0, failed: total });
    const dead = page.getByRole('table', { name: 'Dead letters' });
    await expect(dead).toBeVisible();
    await expect(dead.getByRole('row').filter({ hasText: 'q-1' }).first()).toContainText('500');
    await expect(page.getByRole('heading', { name: `Dead letters (${total})` })).toBeVisible();

    // The model gets a healthy backend and the broken one goes.
    const healthy = await stack.startSimulator(['--model', FLAKY, '--slots', '4']);
    const healthyBackend = await stack.call('backends.add', { name: 'healthy', baseUrl: healthy.url, maxConcurrency: 4 });
    await stack.call('backends.remove', { id: brokenBackend.id });
    await expect.poll(async () => (await stack.call('backends.list', {})).find((b) => b.id === healthyBackend.id)?.models ?? []).toContain(FLAKY);

    await page.getByRole('button', { name: 'Retry failed' }).click();
    await expect(page.getByText('No failed requests.')).toBeVisible({ timeout: 30_000 });
    await expect(page.locator('.batch-header__count')).toHaveText(`${total} / ${total}`);
    await expect(header.locator('[data-status]').first()).toHaveAttribute('data-status', 'completed');
    await expect(page.getByRole('heading', { name: 'Dead letters (0)' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Retry failed' })).toBeDisabled();
    expect((await stack.call('batches.get', { id })).counts).toMatchObject({ total, completed: total, failed: 0 });
  } finally {
    await stack.call('settings.update', { maxAttempts: 5 });
  }
});

test('a batch created through the HTTP API by another client appears in the open window within one second', async ({ page }) => {
  await openWindow(page, stack.url, '#/batches');
  await expect(page.getByRole('tab', { name: /Active/ })).toHaveAttribute('aria-selected', 'true');
  await watchRowsAppear(page);
  const created: string[] = [];
  try {
    // A script doing what the window does: the file streamed to POST /v1/files, validated, submitted by id.
    const viaContract = await submitText(stack.url, { name: 'from a script', content: batchFile(30, SLOW) });
    const returnedAt = Date.now();
    created.push(viaContract.id);
    await expect(await batchRow(page, viaContract.id)).toBeVisible();
    const seen = await rowSeenAt(page, viaContract.id);
    expect(seen).not.toBeNull();
    const lag = seen! - returnedAt;
    test.info().annotations.push({ type: 'lag (contract API)', description: `${lag} ms` });
    expect(lag).toBeLessThan(1000);

    // The official openai SDK: upload the file, then create the batch.
    const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: 'not-needed-on-loopback' });
    const file = await client.files.create({ file: await toFile(Buffer.from(batchFile(30, SLOW)), 'sdk.jsonl'), purpose: 'batch' });
    const viaSdk = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const sdkReturnedAt = Date.now();
    created.push(viaSdk.id);
    const row = await batchRow(page, viaSdk.id);
    await expect(row).toBeVisible();
    await expect(row).toContainText(viaSdk.id);
    await expect(row).toContainText('/ 30');
    const sdkSeen = await rowSeenAt(page, viaSdk.id);
    expect(sdkSeen).not.toBeNull();
    const sdkLag = sdkSeen! - sdkReturnedAt;
    test.info().annotations.push({ type: 'lag (openai SDK)', description: `${sdkLag} ms` });
    expect(sdkLag).toBeLessThan(1000);
  } finally {
    for (const id of created) await stack.call('batches.cancel', { id }).catch(() => undefined);
  }
});
