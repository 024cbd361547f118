import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { chatLines, submitText } from '../../support/batchApi.ts';
import { freePort, sshdUnavailableReason } from '../../support/sshdHarness.ts';
import { openWindow } from '../support/page.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { addNodeThroughForm, fact, nodeBlock, nodeCells, startNodesStack, type NodesStack } from '../nodes/support.ts';

/**
 * axe-core (WCAG 2.1 A and AA rules) on every view of the window, each with content in it (a finished batch,
 * a picked file, GPU cards, nodes with a host key prompt, a running coordinator): no serious or critical
 * violation, colour contrast included.
 */

const WCAG21 = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

async function expectNoSeriousViolations(page: Page, view: string): Promise<void> {
  // Let the view settle (live data, fonts) before the audit.
  await page.waitForTimeout(300);
  const result = await new AxeBuilder({ page }).withTags(WCAG21).analyze();
  const serious = result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  expect(serious, `axe on the ${view} view`).toEqual([]);
}

let stack: Stack | null = null;
let nodes: NodesStack | null = null;
test.afterEach(async () => {
  await stack?.stop();
  stack = null;
  await nodes?.stop();
  nodes = null;
});

test('every batch view passes axe (WCAG 2.1 A/AA) with no serious or critical violation', async ({ page }) => {
  test.setTimeout(180_000);
  stack = await startStack({ simulators: [['--slots', '8']], gpuCapture: 'datakit__gtx-8card.xml', settings: { gpuPollIntervalMs: 500 } });
  const a = await submitText(stack.url, { name: 'axe-a.jsonl', content: chatLines(12, { prefix: 'a' }) });
  const b = await submitText(stack.url, { name: 'axe-b.jsonl', content: chatLines(12, { prefix: 'a' }) });
  for (const id of [a.id, b.id]) {
    await expect.poll(async () => (await stack!.call('batches.get', { id })).status, { timeout: 60_000 }).toBe('completed');
  }

  await openWindow(page, stack.url, '#/dashboard');
  await expect(page.locator('section[aria-label="GPUs on This machine"]')).toBeVisible({ timeout: 20_000 });
  await expectNoSeriousViolations(page, 'Dashboard');

  await openWindow(page, stack.url, '#/batches');
  await expectNoSeriousViolations(page, 'Batches');
  await openWindow(page, stack.url, '#/batches?tab=completed');
  await expectNoSeriousViolations(page, 'Batches (completed)');

  await openWindow(page, stack.url, `#/batches/${a.id}`);
  await expect(page.getByRole('heading', { name: 'axe-a.jsonl' })).toBeVisible();
  await expectNoSeriousViolations(page, 'Batch detail');

  await openWindow(page, stack.url, '#/submit');
  await expectNoSeriousViolations(page, 'Submit (empty)');
  await page.getByLabel('Drop a batch file (.jsonl)').setInputFiles({ name: 'picked.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(chatLines(30)) });
  await expect(page.getByRole('button', { name: 'Submit batch' })).toBeEnabled({ timeout: 30_000 });
  await expectNoSeriousViolations(page, 'Submit (file picked)');

  await openWindow(page, stack.url, '#/backends');
  await expectNoSeriousViolations(page, 'Backends');
  await openWindow(page, stack.url, '#/gpus');
  await expectNoSeriousViolations(page, 'GPUs');
  await openWindow(page, stack.url, `#/compare?a=${a.id}&b=${b.id}`);
  await expectNoSeriousViolations(page, 'Compare');
  await openWindow(page, stack.url, '#/settings');
  await expectNoSeriousViolations(page, 'Settings');
  await openWindow(page, stack.url, '#/nodes');
  await expectNoSeriousViolations(page, 'Nodes (no node)');
});

const sshd = sshdUnavailableReason();

test('the Nodes view passes axe with a host key to accept, a running node and a ready coordinator', async ({ page }) => {
  test.skip(sshd !== null, sshd ?? '');
  test.setTimeout(180_000);
  nodes = await startNodesStack({ sshd: { rpcServerArgs: ['--devices', '2'] } });
  await page.goto(`${nodes.url}/#/nodes`);
  await page.getByRole('button', { name: 'Add node…' }).click();
  await expectNoSeriousViolations(page, 'Nodes (add-node form)');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await addNodeThroughForm(page, { name: 'axe-node', sshd: nodes.sshd, rpcPort: await freePort() });
  const { row, block } = nodeBlock(page, 'axe-node');
  await expect(block.getByRole('button', { name: 'Accept host key of axe-node' })).toBeVisible();
  await expectNoSeriousViolations(page, 'Nodes (host key prompt)');

  await block.getByRole('button', { name: 'Accept host key of axe-node' }).click();
  await row.getByRole('button', { name: 'Start axe-node' }).click();
  await expect(nodeCells(row).state).toContainText('running', { timeout: 30_000 });
  const coordinator = page.getByRole('region', { name: 'Coordinator (llama-server)' });
  await coordinator.getByLabel('Model path (GGUF in an allowed models folder)').fill(nodes.model);
  await coordinator.getByRole('button', { name: 'Start coordinator', exact: true }).click();
  await expect(fact(coordinator, 'State')).toHaveText('ready', { timeout: 30_000 });
  nodes.noteCoordinatorPid(Number(await fact(coordinator, 'PID').textContent()) || null);
  await expect(nodeCells(row).state).toContainText('busy', { timeout: 20_000 });
  await expectNoSeriousViolations(page, 'Nodes (coordinator ready)');

  await openWindow(page, nodes.url, '#/dashboard');
  await expectNoSeriousViolations(page, 'Dashboard (with nodes)');
});
