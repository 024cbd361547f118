/**
 * "Download results" with a token-protected serve (issue 10 item 3): in the browser it is a link to the engine's
 * file, carrying the page's token; the browser downloads the whole output file from it, and the page itself
 * never receives that output over its WebSocket.
 */
import fs from 'node:fs';
import { expect, test, type WebSocket } from '@playwright/test';
import { chatLines, submitText, waitFor } from '../../support/batchApi.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { openWindow } from '../support/page.ts';

const TOKEN = 'e2e-download-token-0f3a9c';
const TOTAL = 4000;

let stack: Stack;

test.beforeAll(async () => {
  stack = await startStack({ simulators: [['--slots', '32']], token: TOKEN });
});

test.afterAll(async () => {
  await stack?.stop();
});

test('with a token, "Download results" is a link that downloads every result line, and the output never crosses the WebSocket', async ({ page }) => {
  const batch = await submitText(stack.url, { name: 'four thousand', content: chatLines(TOTAL, { prefix: 'dl' }) }, TOKEN);
  const done = await waitFor('the batch to complete', async () => {
    const b = await stack.call('batches.get', { id: batch.id });
    return b.status === 'completed' ? b : null;
  }, 90_000);
  expect(done.counts).toMatchObject({ total: TOTAL, completed: TOTAL });
  const outputFileId = done.outputFileId!;

  // Everything the page receives over its WebSocket, from the first frame.
  let wsBytes = 0;
  const frames: string[] = [];
  page.on('websocket', (ws: WebSocket) => {
    ws.on('framereceived', ({ payload }) => {
      const text = typeof payload === 'string' ? payload : payload.toString('utf8');
      wsBytes += Buffer.byteLength(text);
      frames.push(text);
    });
  });

  // The window opened as serve prints it for a token: the token in the page's URL.
  await openWindow(page, stack.url, `?token=${TOKEN}#/batches/${batch.id}`);
  await expect(page.locator('.batch-header__count')).toHaveText(`${TOTAL} / ${TOTAL}`);
  // The results table shows the first rows (paged over the WebSocket), not the file.
  await expect(page.getByRole('table', { name: 'Results' }).getByRole('row').filter({ hasText: 'dl-0' }).first()).toContainText('succeeded');

  const link = page.getByRole('link', { name: 'Download results' });
  await expect(link).toHaveAttribute('href', `/v1/files/${outputFileId}/content?token=${TOKEN}`);
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  expect(download.suggestedFilename()).toBe(`${batch.id}_output.jsonl`);
  expect(await download.failure()).toBeNull();
  const text = fs.readFileSync(await download.path(), 'utf8');
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  expect(lines).toHaveLength(done.counts.total);
  expect((JSON.parse(lines[0]!) as { custom_id: string }).custom_id).toBe('dl-0');
  expect((JSON.parse(lines[TOTAL - 1]!) as { custom_id: string }).custom_id).toBe(`dl-${TOTAL - 1}`);

  // The link works because of the page's token: the same URL without it is refused.
  const bare = await fetch(`${stack.url}/v1/files/${outputFileId}/content`);
  expect(bare.status).toBe(401);
  await bare.arrayBuffer();
  const wrong = await fetch(`${stack.url}/v1/files/${outputFileId}/content?token=not-the-token`);
  expect(wrong.status).toBe(401);
  await wrong.arrayBuffer();

  // The page got the output through the link only: its WebSocket carried a fraction of the file's bytes, and
  // never a result past the first pages of the table (the last line's custom_id and answer).
  const lastAnswer = (JSON.parse(lines[TOTAL - 1]!) as { response: { body: { id: string } } }).response.body.id;
  expect(frames.length).toBeGreaterThan(0);
  expect(wsBytes).toBeLessThan(Buffer.byteLength(text) / 4);
  expect(frames.filter((f) => f.includes(`"dl-${TOTAL - 1}"`) || f.includes(lastAnswer))).toEqual([]);
  test.info().annotations.push({ type: 'bytes', description: `output file ${Buffer.byteLength(text)} B; WebSocket received ${wsBytes} B in ${frames.length} frames` });
});
