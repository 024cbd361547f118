import { expect, test } from '@playwright/test';
import { chatLines, submitText } from '../../support/batchApi.ts';
import { openWindow } from '../support/page.ts';
import { startStack, type Stack } from '../support/stack.ts';

/**
 * What the operator reads about batches (issue 14, items 6 and 7): status words instead of raw values, totals
 * for a batch too short for a throughput chart, and the Submit action in view at 1440x900 after a file is picked.
 * Against a real `batchdeck serve` and `batchdeck simulate` backends.
 */

const SLOW = 'slow-model';
let stack: Stack | null = null;
test.afterEach(async () => {
  await stack?.stop();
  stack = null;
});

test('badges say "in progress", and a batch over in a moment shows its totals instead of "no throughput"', async ({ page }) => {
  test.setTimeout(120_000);
  stack = await startStack({ simulators: [['--slots', '16'], ['--model', SLOW, '--latency-ms', '400', '--slots', '1']] });
  const quick = await submitText(stack.url, { name: 'quick.jsonl', content: chatLines(20, { prefix: 'q' }) });
  await expect.poll(async () => (await stack!.call('batches.get', { id: quick.id })).status, { timeout: 30_000 }).toBe('completed');
  const slow = await submitText(stack.url, { name: 'slow.jsonl', content: chatLines(40, { model: SLOW, prefix: 's' }) });
  await expect.poll(async () => (await stack!.call('batches.get', { id: slow.id })).status, { timeout: 30_000 }).toBe('in_progress');

  await openWindow(page, stack.url, '#/dashboard');
  const active = page.locator(`[data-batch-id="${slow.id}"]`);
  await expect(active.locator('[data-status="in_progress"]')).toHaveText('in progress');
  await expect(page.locator('main')).not.toContainText('in_progress');

  await openWindow(page, stack.url, `#/batches/${quick.id}`);
  const throughput = page.getByRole('region', { name: 'Throughput' });
  await expect(throughput).toBeVisible();
  await expect(throughput).not.toContainText('No throughput recorded yet');
  // Either a chart of samples, or at least the totals of the run.
  const totals = throughput.getByLabel('Throughput totals');
  await expect(totals.or(throughput.getByRole('img')).first()).toBeVisible();
  if (await totals.count()) await expect(totals.locator('dd').first()).toHaveText('20');
});

test('after picking a file, the Submit action is in view at 1440x900', async ({ page }) => {
  test.setTimeout(60_000);
  stack = await startStack({ simulators: [['--slots', '4']] });
  await page.setViewportSize({ width: 1440, height: 900 });
  await openWindow(page, stack.url, '#/submit');
  // Long enough lines that the preview alone fills the window.
  await page.getByLabel('Drop a batch file (.jsonl)').setInputFiles({
    name: 'tall-preview.jsonl',
    mimeType: 'application/jsonl',
    buffer: Buffer.from(chatLines(200, { extra: () => ({ temperature: 0.2, top_p: 0.9, stop: ['\n\n'] }) })),
  });
  const submit = page.getByRole('button', { name: 'Submit batch' });
  await expect(submit).toBeEnabled({ timeout: 30_000 });
  await expect(submit).toBeInViewport();
});
