import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { freePort } from '../../support/sshdHarness.ts';
import { REPO } from '../../support/processes.ts';
import { addNodeThroughForm, fact, nodeBlock, nodeCells } from '../nodes/support.ts';
import { MODEL_ALIAS, realStackUnavailable, startRealNodesStack, type RealNodesStack } from './realNodesStack.ts';

/**
 * The Nodes view and the Dashboard as an operator sees them, against the real llama.cpp: two nodes on a real
 * sshd running the real rpc-server, and the real llama-server as the coordinator over both (issue 14).
 */

const unavailable = realStackUnavailable();
test.skip(unavailable !== null, unavailable ?? '');

const SCREENSHOTS = path.join(REPO, 'docs');

let stack: RealNodesStack | null = null;
test.afterEach(async () => {
  await stack?.stop();
  stack = null;
});

/** Records every spinner text the page shows ("what it waits for · 3 s"), however briefly. */
async function watchPending(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { __pending: string[] }).__pending = seen;
    const scan = () => {
      for (const el of document.querySelectorAll('[data-testid="pending"]')) {
        const text = (el.textContent ?? '').trim();
        if (!seen.includes(text)) seen.push(text);
      }
    };
    new MutationObserver(scan).observe(document.body, { childList: true, subtree: true, characterData: true });
  });
}

async function pendingTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __pending?: string[] }).__pending ?? []);
}

/** Whether the element shows all its text (no ellipsis, nothing cut off). */
async function notCutOff(el: Locator): Promise<boolean> {
  return el.evaluate((e) => e.scrollWidth <= e.clientWidth + 1);
}

async function addTwoNodes(page: Page, s: RealNodesStack): Promise<{ port1: number; port2: number }> {
  const port1 = await freePort();
  const port2 = await freePort();
  await page.goto(`${s.url}/#/nodes`);
  await addNodeThroughForm(page, { name: 'node1', sshd: s.sshd, rpcPort: port1 });
  await addNodeThroughForm(page, { name: 'node2', sshd: s.sshd, rpcPort: port2 });
  for (const name of ['node1', 'node2']) {
    const { block } = nodeBlock(page, name);
    await block.getByRole('button', { name: `Accept host key of ${name}` }).click();
    await expect(nodeCells(nodeBlock(page, name).row).state).toContainText('stopped', { timeout: 20_000 });
  }
  return { port1, port2 };
}

function logFile(s: RealNodesStack, rpcPort: number): string[] {
  return fs.readFileSync(path.join(s.sshd.homeDir, '.batchdeck', `rpc-server-${rpcPort}.log`), 'utf8').split('\n').filter((l) => l.length > 0);
}

test('a coordinator over two real nodes: busy nodes keep their data, the form remembers, the log is the node\'s file', async ({ page }) => {
  test.setTimeout(300_000);
  stack = await startRealNodesStack();
  const s = stack;

  // First contact: the host key prompt names the fingerprint once, with no markdown backticks.
  const port1 = await freePort();
  const port2 = await freePort();
  await page.goto(`${s.url}/#/nodes`);
  await addNodeThroughForm(page, { name: 'node1', sshd: s.sshd, rpcPort: port1 });
  const first = nodeBlock(page, 'node1');
  await expect(first.block.getByRole('status').filter({ hasText: 'First connection to' })).toBeVisible();
  const promptText = (await first.block.textContent()) ?? '';
  expect(promptText).not.toContain('`');
  expect(promptText.split(s.sshd.hostKeyFingerprint).length - 1).toBe(1);
  // Row buttons say which node they act on.
  await expect(first.row.getByRole('button', { name: 'Start node1' })).toBeVisible();
  await expect(first.row.getByRole('button', { name: 'Edit node1' })).toBeVisible();
  await expect(first.row.getByRole('button', { name: 'Remove node1' })).toBeVisible();
  await first.block.getByRole('button', { name: 'Accept host key of node1' }).click();
  await expect(nodeCells(first.row).state).toContainText('stopped', { timeout: 20_000 });
  await addNodeThroughForm(page, { name: 'node2', sshd: s.sshd, rpcPort: port2 });
  await nodeBlock(page, 'node2').block.getByRole('button', { name: 'Accept host key of node2' }).click();
  await expect(nodeCells(nodeBlock(page, 'node2').row).state).toContainText('stopped', { timeout: 20_000 });

  await page.getByRole('button', { name: 'Start all' }).click();
  for (const name of ['node1', 'node2']) {
    const cells = nodeCells(nodeBlock(page, name).row);
    await expect(cells.state).toContainText('running', { timeout: 30_000 });
    await expect(cells.version).not.toHaveText('—');
    await expect(cells.memory).toContainText('free of');
  }
  // The state change was announced politely.
  await expect(page.getByTestId('announce-polite')).toContainText(/node\d is running/);

  // The coordinator, with a spinner that says what it waits for and for how long.
  const coordinator = page.getByRole('region', { name: 'Coordinator (llama-server)' });
  await watchPending(page);
  await coordinator.getByLabel('Model path (GGUF in an allowed models folder)').fill(s.model);
  await coordinator.getByLabel('Extra llama-server flags').fill(`-c 2048 -a ${MODEL_ALIAS}`);
  await coordinator.getByRole('button', { name: 'Start coordinator', exact: true }).click();
  await expect(fact(coordinator, 'State')).toHaveText('ready', { timeout: 120_000 });
  expect((await pendingTexts(page)).some((t) => /^(Checking|Starting|Loading).*\d+ s$/.test(t))).toBe(true);

  // Model is the file; the alias is shown apart.
  await expect(fact(coordinator, 'Model')).toHaveText(s.model);
  await expect(fact(coordinator, 'Served as')).toHaveText(MODEL_ALIAS);
  const servingAt = fact(coordinator, 'Serving at');
  await expect(servingAt).toHaveText(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  expect(await notCutOff(servingAt)).toBe(true);
  await expect(fact(coordinator, 'Endpoints')).toHaveText(/^127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+$/);
  expect(await notCutOff(fact(coordinator, 'Endpoints'))).toBe(true);

  // Held nodes keep their last known version, memory and latency, say since when, and show no error.
  for (const name of ['node1', 'node2']) {
    const { row, block } = nodeBlock(page, name);
    const cells = nodeCells(row);
    await expect(cells.state).toContainText('busy', { timeout: 20_000 });
    await expect(cells.state).toContainText(/held by the coordinator since \d\d:\d\d/);
    await expect(cells.version).not.toHaveText('—');
    await expect(cells.memory).toContainText('free of');
    await expect(cells.latency).toHaveText(/^\d+(\.\d)? ms$/);
    await expect(block.locator('.text-bad')).toHaveCount(0);
    await expect(block).not.toContainText('timed out');
  }
  // Numbers line up: the latency header is right-aligned like its values.
  const header = page.getByRole('columnheader', { name: 'Latency' });
  expect(await header.evaluate((e) => getComputedStyle(e).textAlign)).toBe('right');
  expect(await nodeCells(nodeBlock(page, 'node1').row).latency.evaluate((e) => getComputedStyle(e).fontVariantNumeric)).toContain('tabular-nums');

  // Screenshots for the README, while the coordinator holds both nodes (the window's main area scrolls by
  // itself, so the viewport is made tall enough for the whole view).
  await page.setViewportSize({ width: 1440, height: 1300 });
  await page.screenshot({ path: path.join(SCREENSHOTS, 'screenshot-nodes.png') });
  await page.setViewportSize({ width: 1440, height: 900 });

  // The log is the tail of the node's file: every line is there, the probe's connect-and-close pairs folded away.
  const { block: block1 } = nodeBlock(page, 'node1');
  await block1.locator('summary', { hasText: 'rpc-server log' }).click();
  const log = block1.getByLabel('rpc-server log of node1');
  await expect(log).toContainText('Starting RPC server');
  await expect(block1.locator('summary', { hasText: 'rpc-server log' })).toContainText(`rpc-server-${port1}.log`);
  const fileLines = logFile(s, port1);
  const shown = (await log.textContent())!.split('\n').filter((l) => l.length > 0);
  const toggle = block1.getByLabel(/Show Batchdeck's probe connections \(\d+ lines\)/);
  const hidden = (await toggle.count()) ? Number(/\((\d+) lines\)/.exec((await toggle.locator('..').textContent())!)![1]) : 0;
  expect(shown.length + hidden).toBe(Math.min(200, fileLines.length));
  expect(shown.join('\n')).not.toContain('Batchdeck probe');
  if (hidden > 0) {
    await toggle.check();
    await expect(log).toContainText('← Batchdeck probe');
  }

  await page.goto(`${s.url}/#/dashboard`);
  const nodesPanel = page.getByRole('region', { name: 'Nodes and coordinator' });
  for (const name of ['node1', 'node2']) {
    const item = nodesPanel.getByRole('listitem').filter({ hasText: name });
    await expect(item).toContainText(/\d+(\.\d+)? GiB free/);
    await expect(item).not.toContainText(/\b0 B free/);
    await expect(item).toContainText(/held by the coordinator since \d\d:\d\d/);
  }
  await page.setViewportSize({ width: 1440, height: 1100 });
  await page.screenshot({ path: path.join(SCREENSHOTS, 'screenshot-dashboard-cluster.png') });
  await page.setViewportSize({ width: 1440, height: 900 });

  // Leave the view and come back: the form shows the last start's settings, the model as its path.
  await page.goto(`${s.url}/#/nodes`);
  await expect(coordinator.getByLabel('Model path (GGUF in an allowed models folder)')).toHaveValue(s.model);
  await expect(coordinator.getByLabel('Extra llama-server flags')).toHaveValue(`-c 2048 -a ${MODEL_ALIAS}`);

  // Stop: no stale "Serving at" or endpoints, and a clean exit is not shown as an error.
  await coordinator.getByRole('button', { name: 'Stop coordinator' }).click();
  await expect(fact(coordinator, 'State')).toHaveText('stopped', { timeout: 30_000 });
  await expect(fact(coordinator, 'Serving at')).toHaveText('—');
  await expect(fact(coordinator, 'Endpoints')).toHaveText('—');
  await expect(coordinator.locator('dd.text-bad')).toHaveCount(0);
  await expect(page.getByTestId('announce-polite')).toContainText('The coordinator is stopped');

  // The log view refreshes by itself: the coordinator's connection closing reaches it from the file.
  await expect.poll(async () => {
    const last = logFile(s, port1).at(-1) ?? '';
    const text = (await log.textContent()) ?? '';
    return text.trimEnd().endsWith(last.trim()) || last.trim() === 'Client connection closed';
  }, { timeout: 20_000 }).toBe(true);

  // The settings survive an engine restart.
  await s.restartEngine();
  await page.goto(`${s.url}/#/nodes`);
  await expect(coordinator.getByLabel('Model path (GGUF in an allowed models folder)')).toHaveValue(s.model, { timeout: 20_000 });
  await expect(coordinator.getByLabel('Extra llama-server flags')).toHaveValue(`-c 2048 -a ${MODEL_ALIAS}`);
});

test('stop all, a deliberate stop, a crash and a removal, as the Nodes view and the Dashboard tell them', async ({ page }) => {
  test.setTimeout(300_000);
  stack = await startRealNodesStack();
  const s = stack;
  // Recovery off: the crashed node must stay in error for Stop all to meet it there.
  await s.call('settings.update', { autoRecovery: false });
  const { port2 } = await addTwoNodes(page, s);
  await page.getByRole('button', { name: 'Start all' }).click();
  for (const name of ['node1', 'node2']) await expect(nodeCells(nodeBlock(page, name).row).state).toContainText('running', { timeout: 30_000 });
  const coordinator = page.getByRole('region', { name: 'Coordinator (llama-server)' });
  await coordinator.getByLabel('Model path (GGUF in an allowed models folder)').fill(s.model);
  await coordinator.getByRole('button', { name: 'Start coordinator', exact: true }).click();
  await expect(fact(coordinator, 'State')).toHaveText('ready', { timeout: 120_000 });
  await coordinator.getByRole('button', { name: 'Stop coordinator' }).click();
  await expect(fact(coordinator, 'State')).toHaveText('stopped', { timeout: 30_000 });

  // node1 stopped on purpose; "Restart coordinator" uses node2 and leaves node1 stopped, with no alert.
  const one = nodeBlock(page, 'node1');
  await one.row.getByRole('button', { name: 'Stop node1' }).click();
  await expect(nodeCells(one.row).state).toContainText('stopped', { timeout: 20_000 });
  await coordinator.getByRole('button', { name: 'Restart coordinator' }).click();
  await expect(fact(coordinator, 'State')).toHaveText('ready', { timeout: 120_000 });
  await expect(fact(coordinator, 'Endpoints')).toHaveText(/^127\.0\.0\.1:\d+$/);
  await expect(nodeCells(one.row).state).toContainText('stopped');
  const alerts = await s.call('app.snapshot', {}).then((snap) => snap.alerts);
  expect(alerts.filter((a) => a.severity === 'critical')).toEqual([]);
  await coordinator.getByRole('button', { name: 'Stop coordinator' }).click();
  await expect(fact(coordinator, 'State')).toHaveText('stopped', { timeout: 30_000 });

  // node2's rpc-server dies: error, a critical alert announced, in plain words.
  const two = nodeBlock(page, 'node2');
  const pid = Number(fs.readFileSync(path.join(s.sshd.homeDir, '.batchdeck', `rpc-server-${port2}.pid`), 'utf8').trim());
  process.kill(pid, 'SIGKILL');
  await expect(nodeCells(two.row).state).toContainText('error', { timeout: 30_000 });
  await expect(page.getByTestId('announce-critical')).toContainText('Critical alert');
  await page.goto(`${s.url}/#/dashboard`);
  await expect(page.locator('[data-alert-key$=":down"]').filter({ hasText: 'node2' })).toContainText('stopped unexpectedly');
  for (const text of await page.locator('[data-alert-key]').allTextContents()) {
    expect(text).not.toContain('node node2');
    expect(text).not.toContain('log tail is below');
  }
  const navDashboard = page.getByRole('link', { name: 'Dashboard', exact: true });
  await expect(navDashboard).toHaveAccessibleDescription(/^\d+ open alerts?$/);

  // Stop all stops the node in error too.
  await page.goto(`${s.url}/#/nodes`);
  await page.getByRole('button', { name: 'Stop all' }).click();
  await page.getByRole('button', { name: 'Confirm stop all' }).click();
  await expect(nodeCells(two.row).state).toContainText('stopped', { timeout: 30_000 });

  // A removed node leaves the GPUs view and the Dashboard.
  await page.goto(`${s.url}/#/gpus`);
  await expect(page.locator('section[aria-label="GPUs on node1"]')).toBeVisible({ timeout: 20_000 });
  await page.goto(`${s.url}/#/nodes`);
  await one.row.getByRole('button', { name: 'Remove node1' }).click();
  await page.getByRole('button', { name: 'Confirm remove node1' }).click();
  await expect(one.row).toBeHidden({ timeout: 20_000 });
  await page.goto(`${s.url}/#/gpus`);
  await expect(page.locator('section[aria-label="GPUs on node1"]')).toHaveCount(0);
  await expect(page.locator('section[aria-label="GPUs on node2"]')).toHaveCount(1);
  await page.goto(`${s.url}/#/dashboard`);
  await expect(page.getByRole('region', { name: 'Nodes and coordinator' }).getByRole('listitem').filter({ hasText: 'node1' })).toHaveCount(0);
  await expect(page.locator('section[aria-label="GPUs on node1"]')).toHaveCount(0);
});
