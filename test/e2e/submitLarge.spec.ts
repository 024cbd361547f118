/**
 * Big batch files through the window, in Chromium against a real `batchdeck serve`: a 200,000-line file dropped
 * from disk is streamed to the engine, validated once with a progress bar, and queued by its id; a bad one shows
 * its errors from the first to the last line and queues nothing; an upload not submitted does not linger; the
 * batch's results reach every row, 100,000 at a time.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { goodRequestLine, writeGoodBatchFile } from '../support/batchFiles.ts';
import { startStack, type Stack } from './support/stack.ts';
import { dropDiskFileOnWindow, dropFileOnWindow, openWindow } from './support/page.ts';

const LINES = 200_000;
const MODEL = 'sim-model';

let stack: Stack;
let dir: string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-e2e-large-'));
  // Slow on purpose: the batch must still be there to look at after Submit, not finished.
  stack = await startStack({ simulators: [['--slots', '2', '--latency-ms', '200']] });
});

test.afterAll(async () => {
  await stack?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Uploads the window keeps in the engine (GET /v1/files). */
async function storedUploads(): Promise<{ id: string; filename: string }[]> {
  const res = await fetch(`${stack.url}/v1/files`);
  return ((await res.json()) as { data: { id: string; filename: string }[] }).data;
}

/** What the page showed while a file was loading; errorsWhileSending: error items shown next to the upload bar. */
interface Seen { bars: string[]; errorsSoFar: string[]; errorsWhileSending: string[] }

declare global {
  interface Window {
    __seen?: Seen;
  }
}

/**
 * Records in the page every progress text and every "errors so far" item that appears, however briefly: a
 * 40 MB file on loopback is read in well under a second, quicker than a test could poll for it.
 */
async function watchProgress(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen = { bars: [] as string[], errorsSoFar: [] as string[], errorsWhileSending: [] as string[] };
    window.__seen = seen;
    const scan = () => {
      for (const el of document.querySelectorAll('[role="progressbar"]')) {
        const text = `${el.getAttribute('aria-label')}: ${el.getAttribute('aria-valuetext') ?? ''}`;
        if (seen.bars.at(-1) !== text) seen.bars.push(text);
      }
      const sending = document.querySelector('[role="progressbar"][aria-label="Upload progress"]') !== null;
      for (const li of document.querySelectorAll('[aria-label="Errors found so far"] li')) {
        const text = li.textContent ?? '';
        if (!seen.errorsSoFar.includes(text)) seen.errorsSoFar.push(text);
        if (sending && !seen.errorsWhileSending.includes(text)) seen.errorsWhileSending.push(text);
      }
    };
    new MutationObserver(scan).observe(document.body, { childList: true, subtree: true, attributes: true, characterData: true });
  });
}

async function seen(page: Page): Promise<Seen> {
  return page.evaluate(() => window.__seen ?? { bars: [], errorsSoFar: [], errorsWhileSending: [] });
}

/**
 * Slows what the page sends to `bytesPerSecond` (Chromium's network emulation, through CDP), so a 40 MB upload
 * over loopback lasts seconds instead of a fraction of one; what comes back is not slowed.
 */
async function throttleUploads(page: Page, bytesPerSecond: number): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: bytesPerSecond });
}

test('a 200,000-line file dropped on the window shows its progress and report, and Submit queues the batch', async ({ page }) => {
  const { file, bytes } = await writeGoodBatchFile(path.join(dir, 'large.jsonl'), { count: LINES, model: MODEL });
  await openWindow(page, stack.url);
  await watchProgress(page);
  await dropDiskFileOnWindow(page, file);

  await expect(page.getByText(/200,000 requests/)).toBeVisible({ timeout: 60_000 });
  await expect(page.getByText('large.jsonl').first()).toBeVisible();
  const { bars } = await seen(page);
  expect(bars.some((b) => b.startsWith('Upload progress: Sending large.jsonl'))).toBe(true);
  expect(bars.some((b) => /^Validation progress: Validating large\.jsonl: .* lines\/s/.test(b))).toBe(true);
  await expect(page.getByRole('list', { name: 'Validation errors' })).toHaveCount(0);
  // The file is stored once in the engine, under its own name and size.
  expect((await storedUploads()).map((f) => f.filename)).toEqual(['large.jsonl']);
  expect(bytes).toBeGreaterThan(30 * 1024 * 1024);

  const submit = page.getByRole('button', { name: 'Submit batch' });
  await expect(submit).toBeEnabled();
  await submit.click();
  const header = page.locator('.batch-header');
  await expect(header).toBeVisible();
  const id = await header.getAttribute('data-batch-id');
  await expect(page.locator('.batch-header__count')).toHaveText(new RegExp(`/ ${LINES}$`));
  const batch = await stack.call('batches.get', { id: id! });
  expect(batch.counts.total).toBe(LINES);
  expect(['queued', 'in_progress']).toContain(batch.status);
  // Leaving Submit after submitting keeps the batch's input file.
  expect((await storedUploads()).map((f) => f.id)).toEqual([batch.inputFileId]);

  // Every row can be reached: the results scroll 100,000 at a time (a browser cannot scroll a box tall enough
  // for a million rows), with previous/next and a jump to any row by number.
  const results = page.getByRole('table', { name: 'Results' });
  const rowsShown = page.getByRole('group', { name: 'Results: rows shown' });
  await expect(rowsShown).toContainText('Rows 1–100,000 of 200,000');
  await expect(results.getByRole('cell', { name: 'req-1', exact: true })).toBeVisible();
  await rowsShown.getByRole('button', { name: 'Next 100,000' }).click();
  await expect(rowsShown).toContainText('Rows 100,001–200,000 of 200,000');
  await expect(results.getByRole('cell', { name: 'req-100001', exact: true })).toBeVisible();
  await expect(rowsShown.getByRole('button', { name: /^Next/ })).toBeDisabled();
  await rowsShown.getByLabel('Go to row').fill('199999');
  await rowsShown.getByRole('button', { name: 'Go' }).click();
  await expect(results.getByRole('cell', { name: 'req-199999', exact: true })).toBeVisible();
  await rowsShown.getByLabel('Go to row').fill('42');
  await rowsShown.getByRole('button', { name: 'Go' }).click();
  await expect(rowsShown).toContainText('Rows 1–100,000 of 200,000');
  await expect(results.getByRole('cell', { name: 'req-42', exact: true })).toBeVisible();
  await stack.call('batches.cancel', { id: id! });
});

test('a bad 200,000-line file shows its line-1 error while it is still being sent, then the errors of its first and last lines, and queues nothing', async ({ page }) => {
  const file = path.join(dir, 'bad-large.jsonl');
  await writeGoodBatchFile(file, { count: LINES, model: MODEL, idPrefix: 'bad-' });
  // Line 1 is cut off mid-object; the last line repeats the custom_id of line 2.
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  lines[0] = lines[0]!.slice(0, 25);
  lines[LINES - 1] = goodRequestLine(1, { model: MODEL, idPrefix: 'bad-' });
  fs.writeFileSync(file, lines.join('\n'));
  const before = await stack.call('batches.list', { status: 'all' });

  await openWindow(page, stack.url);
  await watchProgress(page);
  // ~40 MB at 8 MB/s: the upload takes about five seconds.
  await throttleUploads(page, 8 * 1024 * 1024);
  await dropDiskFileOnWindow(page, file);

  // The engine reads the bytes as they arrive: line 1's error is on screen while the rest is still being sent.
  const soFar = page.getByRole('list', { name: 'Errors found so far' }).getByRole('listitem');
  await expect(soFar.first()).toContainText('line 1: not valid JSON', { timeout: 60_000 });
  expect((await seen(page)).errorsWhileSending.some((e) => e.startsWith('line 1'))).toBe(true);

  const errors = page.getByRole('list', { name: 'Validation errors' }).getByRole('listitem');
  await expect(errors).toHaveCount(2, { timeout: 60_000 });
  await expect(errors.nth(0)).toContainText('line 1: not valid JSON');
  await expect(errors.nth(1)).toContainText(`line ${LINES}: duplicate custom_id "bad-2" (first seen on line 2)`);
  await expect(page.getByRole('button', { name: 'Submit batch' })).toBeDisabled();
  // The validation bar counted lines per second as it read.
  expect((await seen(page)).bars.some((b) => /^Validation progress: Validating bad-large\.jsonl: .* lines\/s/.test(b))).toBe(true);

  expect(await stack.call('batches.list', { status: 'all' })).toEqual(before);
  expect((await stack.call('app.snapshot', {})).queue.queued).toBe(0);
});

test('an upload not submitted is removed when another file is dropped and when the view is left', async ({ page }) => {
  const existing = new Set((await storedUploads()).map((f) => f.id));
  const fresh = async () => (await storedUploads()).filter((f) => !existing.has(f.id)).map((f) => f.filename);
  await openWindow(page, stack.url, '#/submit');
  const small = (n: number) => Array.from({ length: n }, (_, i) => goodRequestLine(i, { model: MODEL })).join('\n') + '\n';

  await dropFileOnWindow(page, 'first.jsonl', small(3));
  await expect(page.getByText(/3 requests/)).toBeVisible();
  expect(await fresh()).toEqual(['first.jsonl']);

  await dropFileOnWindow(page, 'second.jsonl', small(4));
  await expect(page.getByText(/4 requests/)).toBeVisible();
  await expect.poll(fresh).toEqual(['second.jsonl']);

  await page.getByRole('link', { name: 'Dashboard' }).first().click();
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  await expect.poll(fresh).toEqual([]);
});
