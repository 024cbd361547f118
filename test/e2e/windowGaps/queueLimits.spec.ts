/**
 * Queue limits in the window (issue 12 item 3): the operator sets "most queued requests" and "most queued
 * batches" in Settings; a file that would go over is shown refused on Submit, with the limit and its value,
 * before Submit is pressed, and no batch is created; once the limit is raised or cleared the same file submits.
 */
import { expect, test, type Page } from '@playwright/test';
import { chatLines, submitText } from '../../support/batchApi.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { dropFileOnWindow, openWindow } from '../support/page.ts';

const FAST = 'sim-model';
/** 2 slots of 300 ms: a batch of it stays queued and running for the whole test. */
const SLOW = 'slow-model';

let stack: Stack;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  stack = await startStack({ simulators: [['--slots', '16'], ['--model', SLOW, '--latency-ms', '300', '--slots', '2']] });
});

test.afterAll(async () => {
  await stack?.stop();
});

test.afterEach(async () => {
  for (const b of await stack.call('batches.list', { status: 'all' })) await stack.call('batches.cancel', { id: b.id }).catch(() => undefined);
  await stack.call('settings.update', { maxQueuedBatches: 0, maxQueuedRequests: 0 });
});

async function saveSetting(page: Page, label: string, value: number): Promise<void> {
  const form = page.getByRole('form', { name: 'Settings' });
  await form.getByLabel(label, { exact: true }).fill(String(value));
  await form.getByRole('button', { name: 'Save settings' }).click();
  await expect(form.getByText('Unsaved changes')).toBeHidden();
  await expect(form.getByLabel(label, { exact: true })).toHaveValue(String(value));
}

function estimate(page: Page) {
  return page.getByLabel('Estimate');
}

test('a file over "Most queued requests" is refused on Submit before it is pressed, with the limit and its value; cleared, the same file submits', async ({ page }) => {
  const file = chatLines(80, { model: FAST, prefix: 'q' });
  await openWindow(page, stack.url, '#/settings');
  await saveSetting(page, 'Most queued requests', 50);
  // The setting is the engine's, not the page's: it is still there after a reload.
  await page.reload();
  await expect(page.getByRole('form', { name: 'Settings' }).getByLabel('Most queued requests', { exact: true })).toHaveValue('50');

  // Dropped on the Settings view; the window takes it to Submit.
  await dropFileOnWindow(page, 'eighty.jsonl', file);
  await expect(page.getByText(/80 requests/)).toBeVisible();
  // Before any click on Submit: which limit, its value, and what this file would make of the queue.
  const refusal = estimate(page).getByRole('alert');
  await expect(refusal).toContainText('Queue limit reached');
  await expect(refusal).toContainText("this batch's 80 requests would bring the queue to 80");
  await expect(refusal).toContainText('the limit (maxQueuedRequests) is 50');

  // Pressed anyway: the engine refuses in the same words, and nothing is created.
  await page.getByRole('button', { name: 'Submit batch' }).click();
  const notSubmitted = page.getByRole('alert').filter({ hasText: 'The batch was not submitted' });
  await expect(notSubmitted).toContainText('the limit (maxQueuedRequests) is 50');
  await expect(notSubmitted).toContainText('rate_limited');
  await expect(page.getByRole('heading', { name: 'Submit a batch' })).toBeVisible();
  expect(await stack.call('batches.list', { status: 'all' })).toEqual([]);

  // The operator clears the limit in Settings (leaving Submit drops the unsubmitted upload) and drops the
  // same file again: no refusal, and it runs.
  await page.getByRole('link', { name: 'Settings' }).click();
  await saveSetting(page, 'Most queued requests', 0);
  await dropFileOnWindow(page, 'eighty.jsonl', file);
  await expect(page.getByText(/80 requests/)).toBeVisible();
  await expect(estimate(page).getByText('Queue position')).toBeVisible();
  await expect(estimate(page).getByRole('alert')).toHaveCount(0);
  await page.getByRole('button', { name: 'Submit batch' }).click();
  await expect(page.locator('.batch-header__count')).toHaveText('80 / 80', { timeout: 30_000 });
  const batches = await stack.call('batches.list', { status: 'all' });
  expect(batches).toHaveLength(1);
  expect(batches[0]!.counts).toMatchObject({ total: 80, completed: 80 });
});

test('with "Most queued batches" reached, Submit shows the limit; raised in another tab, the same open Submit view clears and submits', async ({ page, context }) => {
  const before = (await stack.call('batches.list', { status: 'all' })).map((b) => b.id);
  // One paused batch holds the only place in the queue; paused, the queue does not move while the test looks.
  const running = await submitText(stack.url, { name: 'holds the queue', content: chatLines(200, { model: SLOW, prefix: 'slow' }) });
  await stack.call('batches.pause', { id: running.id });
  await openWindow(page, stack.url, '#/settings');
  await saveSetting(page, 'Most queued batches', 1);

  await dropFileOnWindow(page, 'five.jsonl', chatLines(5, { model: FAST, prefix: 'f' }));
  await expect(page.getByText(/5 requests/)).toBeVisible();
  const refusal = estimate(page).getByRole('alert');
  await expect(refusal).toContainText('1 batch is queued or running and the limit (maxQueuedBatches) is 1');
  await page.getByRole('button', { name: 'Submit batch' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'The batch was not submitted' })).toContainText('(maxQueuedBatches) is 1');
  expect((await stack.call('batches.list', { status: 'all' })).map((b) => b.id).sort()).toEqual([...before, running.id].sort());
  expect((await stack.call('batches.get', { id: running.id })).status).toBe('paused');

  // A second operator raises the limit in another tab; this tab keeps its file and says the queue has room now.
  const other = await context.newPage();
  await openWindow(other, stack.url, '#/settings');
  await saveSetting(other, 'Most queued batches', 2);
  await other.close();
  await expect(refusal).toHaveCount(0);
  await page.getByRole('alert').filter({ hasText: 'The batch was not submitted' }).getByRole('button', { name: 'Dismiss error' }).click();
  await page.getByRole('button', { name: 'Submit batch' }).click();
  await expect(page.locator('.batch-header__count')).toHaveText('5 / 5', { timeout: 30_000 });
  expect(await stack.call('batches.list', { status: 'all' })).toHaveLength(before.length + 2);
});
