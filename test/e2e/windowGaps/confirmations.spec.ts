/**
 * Irreversible actions ask for a second, deliberate click (issue 8 item 4): Remove backend, Stop all, Remove
 * node, and Cancel batch against a double-click. One click only asks; the confirm button is disabled for its
 * first moments, so the second click of a (clickjacked) double-click lands on nothing; a later click acts.
 * A real `batchdeck serve` with a real sshd on loopback (stand-in rpc-server) and a real `batchdeck simulate`.
 * (The plain cancel flow, click then confirm, is in test/e2e/batches.spec.ts.)
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { api, chatLines, submitText } from '../../support/batchApi.ts';
import { startSimulatorProcess, type Spawned } from '../../support/processes.ts';
import { freePort, sshdUnavailableReason } from '../../support/sshdHarness.ts';
import { nodeBlock, nodeCells, startNodesStack, type NodesStack } from '../nodes/support.ts';
import { openWindow } from '../support/page.ts';

const unavailable = sshdUnavailableReason();
test.skip(unavailable !== null, unavailable ?? '');
test.describe.configure({ mode: 'serial' });

const SLOW = 'slow-model';
/** Longer than the confirm's arming delay (700 ms): by then a held-back action would have happened. */
const PAST_ARMING_MS = 1_500;

let sim: Spawned;
let stack: NodesStack;
let call: ReturnType<typeof api>;

test.beforeAll(async () => {
  sim = await startSimulatorProcess(['--port', '0', '--model', SLOW, '--latency-ms', '200', '--slots', '2']);
  stack = await startNodesStack({ serveArgs: ['--backend', sim.url] });
  call = api(stack.url);
});

test.afterAll(async () => {
  await stack?.stop();
  await sim?.kill('SIGTERM');
});

/**
 * One click on `trigger` shows `confirm`, which is disabled when first seen (within the arming delay) and
 * enabled a moment later; nothing has happened meanwhile (`unchanged` is asked after the delay).
 */
async function oneClickOnlyAsks(trigger: Locator, confirm: Locator, unchanged: () => Promise<void>): Promise<void> {
  await trigger.click();
  await expect(confirm).toBeVisible({ timeout: 300 });
  await expect(confirm).toBeDisabled({ timeout: 300 });
  await expect(confirm).toBeEnabled();
  await trigger.page().waitForTimeout(PAST_ARMING_MS);
  await unchanged();
}

/** How far apart a person's two clicks of a double-click are (double-click speed is typically 100-500 ms). */
const HUMAN_DOUBLE_CLICK_GAP_MS = 150;

/**
 * A double-click on `trigger` at a person's speed, as a framing page tricks one out of the operator, does
 * nothing: its second click meets the disarmed confirm (or, where the row grows leftwards, "Keep"), and
 * nothing happens even after the arming delay.
 */
async function doubleClickDoesNothing(page: Page, trigger: Locator, confirm: Locator, keepName: string, unchanged: () => Promise<void>): Promise<void> {
  const box = (await trigger.boundingBox())!;
  const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
  await page.mouse.click(x, y);
  await page.waitForTimeout(HUMAN_DOUBLE_CLICK_GAP_MS);
  await page.mouse.click(x, y, { clickCount: 2 });
  await page.waitForTimeout(PAST_ARMING_MS);
  await unchanged();
  // Backing out leaves it as it was.
  const keep = page.getByRole('button', { name: keepName, exact: true });
  if (await keep.isVisible()) await keep.click();
  await expect(confirm).toBeHidden();
  await expect(trigger).toBeEnabled();
  await unchanged();
}

test('Cancel batch: a double-click only asks, and the batch keeps running', async ({ page }) => {
  const batch = await submitText(stack.url, { name: 'keeps running', content: chatLines(300, { model: SLOW }) });
  try {
    await openWindow(page, stack.url, `#/batches/${batch.id}`);
    const status = page.locator('.batch-header [data-status]').first();
    await expect(status).toHaveAttribute('data-status', 'in_progress');
    const running = async () => expect((await call('batches.get', { id: batch.id })).status).toBe('in_progress');
    const trigger = page.getByRole('button', { name: 'Cancel batch' });
    const confirm = page.getByRole('button', { name: 'Confirm cancel' });
    await doubleClickDoesNothing(page, trigger, confirm, 'Keep', running);
    await oneClickOnlyAsks(trigger, confirm, running);
    await expect(status).toHaveAttribute('data-status', 'in_progress');
    // Left alone, the question goes away by itself, still without acting.
    await expect(confirm).toBeHidden({ timeout: 10_000 });
    await running();
  } finally {
    await call('batches.cancel', { id: batch.id });
  }
});

test('Remove backend: one click and a double-click only ask; the confirm, once armed, removes it', async ({ page }) => {
  const [backend] = await call('backends.list', {});
  expect(backend).toBeDefined();
  await openWindow(page, stack.url, '#/backends');
  const card = page.getByRole('listitem', { name: `Backend ${backend!.name}` });
  await expect(card).toBeVisible();
  const stillThere = async () => {
    expect((await call('backends.list', {})).map((b) => b.id)).toEqual([backend!.id]);
    await expect(card).toBeVisible();
  };
  const trigger = card.getByRole('button', { name: `Remove ${backend!.name}`, exact: true });
  const confirm = card.getByRole('button', { name: `Confirm remove ${backend!.name}` });

  await doubleClickDoesNothing(page, trigger, confirm, `Keep ${backend!.name}`, stillThere);
  await oneClickOnlyAsks(trigger, confirm, stillThere);
  await confirm.click();
  await expect(card).toBeHidden();
  expect(await call('backends.list', {})).toEqual([]);
});

test('Stop all and Remove node: one click and a double-click only ask; the node runs on until the armed confirm', async ({ page }) => {
  test.setTimeout(120_000);
  const rpcPort = await freePort();
  const node = await call('nodes.add', {
    name: 'node1', host: stack.sshd.host, sshPort: stack.sshd.port, user: stack.sshd.user,
    auth: { method: 'key', keyPath: stack.sshd.keyPath }, rpcPort, acceptedHostKey: stack.sshd.hostKeyFingerprint,
  });
  await call('nodes.start', { id: node.id });
  await openWindow(page, stack.url, '#/nodes');
  const { row } = nodeBlock(page, 'node1');
  const state = nodeCells(row).state;
  await expect(state).toContainText('running', { timeout: 30_000 });
  const pidBefore = (await call('nodes.list', {}))[0]!.pid;
  expect(pidBefore).not.toBeNull();
  const stillRunning = async () => {
    const [n] = await call('nodes.list', {});
    expect(n).toMatchObject({ state: 'running', pid: pidBefore });
    await expect(state).toContainText('running');
  };

  const stopAll = page.getByRole('button', { name: 'Stop all', exact: true });
  const confirmStop = page.getByRole('button', { name: 'Confirm stop all' });
  await doubleClickDoesNothing(page, stopAll, confirmStop, 'Keep', stillRunning);
  await oneClickOnlyAsks(stopAll, confirmStop, stillRunning);
  await confirmStop.click();
  await expect(state).toContainText('stopped', { timeout: 30_000 });
  expect((await call('nodes.list', {}))[0]!.state).toBe('stopped');

  const remove = row.getByRole('button', { name: 'Remove node1' });
  const confirmRemove = row.getByRole('button', { name: 'Confirm remove node1' });
  const stillListed = async () => {
    expect((await call('nodes.list', {})).map((n) => n.name)).toEqual(['node1']);
    await expect(row).toBeVisible();
  };
  await doubleClickDoesNothing(page, remove, confirmRemove, 'Keep node1', stillListed);
  await oneClickOnlyAsks(remove, confirmRemove, stillListed);
  await confirmRemove.click();
  await expect(row).toBeHidden({ timeout: 20_000 });
  expect(await call('nodes.list', {})).toEqual([]);
});
