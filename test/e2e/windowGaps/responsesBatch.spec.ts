/**
 * A /v1/responses batch through the window (issue 12 item 1): dropped, validated as Responses requests, run
 * against a real `batchdeck simulate` to completion; the request/response viewer of the batch detail shows the
 * input, the answer's text and the input/output token counts, and the header sums them.
 */
import { expect, test, type Locator } from '@playwright/test';
import { downloadLines } from '../../support/batchApi.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { dropFileOnWindow, openWindow } from '../support/page.ts';

const MODEL = 'sim-model';
const TOTAL = 30;

let stack: Stack;

test.beforeAll(async () => {
  stack = await startStack({ simulators: [['--slots', '8']] });
});

test.afterAll(async () => {
  await stack?.stop();
});

/** Half the lines give `input` as a string, half as message items, as the Responses API allows both. */
function responsesFile(): string {
  return Array.from({ length: TOTAL }, (_, i) => JSON.stringify({
    custom_id: `r-${i + 1}`,
    method: 'POST',
    url: '/v1/responses',
    body: i % 2 === 0
      ? { model: MODEL, input: `Name a prime number above ${i * 10}.` }
      : { model: MODEL, input: [{ role: 'user', content: [{ type: 'input_text', text: `Spell the number ${i} in French.` }] }] },
  })).join('\n') + '\n';
}

/** The value beside a label in the batch header's facts. */
function fact(scope: Locator, label: string): Locator {
  return scope.locator('dl > div').filter({ has: scope.page().locator('dt', { hasText: new RegExp(`^${label}$`) }) }).locator('dd');
}

interface OutputLine {
  custom_id: string;
  response: { status_code: number; body: { object: string; output: { type: string; content: { type: string; text: string }[] }[]; usage: { input_tokens: number; output_tokens: number } } };
}

test('a dropped /v1/responses batch runs to completion and its viewer shows the input, the answer and the input/output tokens', async ({ page }) => {
  await openWindow(page, stack.url);
  await dropFileOnWindow(page, 'responses.jsonl', responsesFile());
  await expect(page.getByText(/30 requests to \/v1\/responses for sim-model/)).toBeVisible();
  await page.getByRole('button', { name: 'Submit batch' }).click();

  const header = page.locator('.batch-header');
  await expect(page.locator('.batch-header__count')).toHaveText(`${TOTAL} / ${TOTAL}`, { timeout: 30_000 });
  await expect(header.locator('[data-status]').first()).toHaveAttribute('data-status', 'completed');
  const id = (await header.getAttribute('data-batch-id'))!;
  await expect(fact(header, 'Endpoint')).toHaveText('/v1/responses');

  // What the backend answered, as the output file holds it: Responses' shape, with its usage.
  const batch = await stack.call('batches.get', { id });
  expect(batch.counts).toMatchObject({ total: TOTAL, completed: TOTAL, failed: 0 });
  const lines = (await downloadLines(stack.url, batch.outputFileId!)).map((l) => JSON.parse(l) as OutputLine);
  expect(lines).toHaveLength(TOTAL);
  for (const l of lines) expect(l.response.body.object).toBe('response');
  const usage = lines.reduce((s, l) => ({ in: s.in + l.response.body.usage.input_tokens, out: s.out + l.response.body.usage.output_tokens }), { in: 0, out: 0 });
  expect(usage.in).toBeGreaterThan(0);
  expect(usage.out).toBeGreaterThan(0);
  // The batch's usage counts Responses' input/output tokens like chat's prompt/completion tokens.
  await expect(fact(header, 'Tokens')).toHaveText(`${usage.in.toLocaleString('en-US')} in · ${usage.out.toLocaleString('en-US')} out`);

  const results = page.getByRole('table', { name: 'Results' });
  for (const [n, input] of [[1, 'Name a prime number above 0.'], [2, 'Spell the number 1 in French.']] as const) {
    const line = lines[n - 1]!;
    const answer = line.response.body.output[0]!.content[0]!.text;
    expect(answer.length).toBeGreaterThan(0);
    const row = results.getByRole('row').filter({ hasText: `r-${n}` }).first();
    // In the table: the input's text, the answer's text, input+output tokens.
    await expect(row).toContainText(input);
    await expect(row).toContainText(answer.slice(0, 40));
    await expect(row).toContainText(`${line.response.body.usage.input_tokens}+${line.response.body.usage.output_tokens}`);

    // Selected: the request as sent and the answer in full, with the token counts in words.
    await row.click();
    const detail = page.getByRole('region', { name: `Request r-${n}` });
    await expect(detail).toBeVisible();
    await expect(detail).toContainText(`${line.response.body.usage.input_tokens} in / ${line.response.body.usage.output_tokens} out tokens`);
    await expect(detail.locator('pre').first()).toContainText(input);
    await expect(detail.getByLabel('Response text')).toHaveText(answer);
    await expect(detail.getByRole('heading', { name: 'Response (HTTP 200)' })).toBeVisible();
    await detail.getByRole('button', { name: 'Close' }).click();
    await expect(detail).toBeHidden();
  }
});
