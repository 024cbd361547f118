/**
 * A new user's first minute, in Chromium against a real `batchdeck serve` that has no backend: the Dashboard
 * says nothing can run yet and offers the built-in simulator; one click, then a dropped file runs to the end.
 */
import { expect, test } from '@playwright/test';
import { startStack, type Stack } from './support/stack.ts';
import { dropFileOnWindow, openWindow } from './support/page.ts';

let stack: Stack;

test.beforeAll(async () => {
  stack = await startStack();
});

test.afterAll(async () => {
  await stack?.stop();
});

function batchFile(n: number): string {
  return Array.from({ length: n }, (_, i) => JSON.stringify({
    custom_id: `first-${i + 1}`,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model: 'sim-model', messages: [{ role: 'user', content: `Say ${i + 1}` }], max_tokens: 4 },
  })).join('\n') + '\n';
}

test('with no backend the Dashboard says so, starts the simulator in one click, and a dropped file then runs to the end', async ({ page }) => {
  await openWindow(page, stack.url);
  const offer = page.getByRole('region', { name: 'No inference backend' });
  await expect(offer).toBeVisible();
  await expect(offer).toContainText('wait in the queue');

  await offer.getByRole('button', { name: 'Start the built-in simulator' }).click();
  // The offer goes once a backend exists, and the engine really has the simulated one.
  await expect(offer).toHaveCount(0);
  const backends = await stack.call('backends.list', {});
  expect(backends.filter((b) => b.simulated)).toHaveLength(1);

  await dropFileOnWindow(page, 'first.jsonl', batchFile(20));
  await expect(page.getByText(/20 requests/)).toBeVisible();
  await expect(page.getByLabel('Model')).toHaveValue('sim-model');
  await page.getByRole('button', { name: 'Submit batch' }).click();
  await expect(page.locator('.batch-header__count')).toHaveText('20 / 20', { timeout: 60_000 });

  // The Backends view says who served them, live from the engine's counter.
  const [sim] = backends.filter((b) => b.simulated);
  await page.getByRole('link', { name: 'Backends' }).click();
  await expect(page.getByLabel(`Requests served by ${sim!.name}`)).toHaveText('20 (100% of all)');
});
