/**
 * The "Automatic cluster recovery" switch in Settings (issue 9). Turned off in the window, it stays off after a
 * reload (the engine keeps it); with it off, a crashed llama-server coordinator and a crashed rpc-server stay
 * down and the Nodes view and the Dashboard say so and what to do; turned back on, both come back by themselves.
 * A real `batchdeck serve`, a real sshd on loopback with the stand-in rpc-server, the stand-in llama-server.
 */
import fs from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { api } from '../../support/batchApi.ts';
import { processAlive } from '../../support/processAlive.ts';
import { freePort, sshdUnavailableReason } from '../../support/sshdHarness.ts';
import { fact, nodeBlock, nodeCells, rpcPidFile, startNodesStack, type NodesStack } from '../nodes/support.ts';
import { openWindow } from '../support/page.ts';

const unavailable = sshdUnavailableReason();
test.skip(unavailable !== null, unavailable ?? '');

let stack: NodesStack;

test.beforeAll(async () => {
  stack = await startNodesStack();
});

test.afterAll(async () => {
  await stack?.stop();
});

function recoverySwitch(page: Page) {
  return page.getByRole('switch', { name: 'Automatic cluster recovery' });
}

function readPid(file: string): number {
  return Number(fs.readFileSync(file, 'utf8').trim());
}

test('automatic recovery switched off in Settings stays off, leaves a crashed cluster down with advice, and switched on brings it back', async ({ page }) => {
  test.setTimeout(180_000);
  const call = api(stack.url);
  const rpcPort = await freePort();
  const node = await call('nodes.add', {
    name: 'node1', host: stack.sshd.host, sshPort: stack.sshd.port, user: stack.sshd.user,
    auth: { method: 'key', keyPath: stack.sshd.keyPath }, rpcPort, acceptedHostKey: stack.sshd.hostKeyFingerprint,
  });
  await call('nodes.start', { id: node.id });
  await call('coordinator.start', { model: stack.model });

  // Settings: on by default; switched off, it says so, and a reload reads "off" back from the engine.
  await openWindow(page, stack.url, '#/settings');
  const toggle = recoverySwitch(page);
  await expect(toggle).toHaveAttribute('aria-checked', 'true');
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-checked', 'false');
  await expect(page.locator('.switch-row').filter({ has: toggle })).toContainText('Automatic cluster recovery (off)');
  await page.reload();
  await expect(recoverySwitch(page)).toHaveAttribute('aria-checked', 'false');
  expect((await call('settings.get', {})).autoRecovery).toBe(false);

  await page.getByRole('link', { name: 'Nodes' }).click();
  const coordinator = page.getByRole('region', { name: 'Coordinator (llama-server)' });
  await expect(fact(coordinator, 'State')).toHaveText('ready', { timeout: 30_000 });
  const { row } = nodeBlock(page, 'node1');
  await expect(nodeCells(row).state).toContainText(/running|busy/);

  // llama-server crashes: it stays down, and the panel says recovery is off and how to restart it.
  const llamaPid = (await call('coordinator.status', {})).pid!;
  stack.noteCoordinatorPid(llamaPid);
  process.kill(llamaPid, 'SIGKILL');
  await expect(fact(coordinator, 'State')).toHaveText(/exited|error/, { timeout: 20_000 });
  const panelNote = coordinator.getByTestId('coordinator-recovery');
  await expect(panelNote).toContainText('automatic recovery is off');
  await expect(panelNote).toContainText('coordinator restart');

  // rpc-server crashes too: it stays down, and the node's alert says what to do.
  const rpcPid = readPid(rpcPidFile(stack.sshd, rpcPort));
  process.kill(rpcPid, 'SIGKILL');
  await expect(nodeCells(row).state).toContainText('error', { timeout: 30_000 });
  // Several passes of the reconciler (one a second): nothing was restarted behind the operator's back.
  await page.waitForTimeout(4_000);
  await expect(nodeCells(row).state).toContainText('error');
  await expect(fact(coordinator, 'State')).toHaveText(/exited|error/);
  expect(processAlive(rpcPid)).toBe(false);
  expect(readPid(rpcPidFile(stack.sshd, rpcPort))).toBe(rpcPid);

  await page.getByRole('link', { name: 'Dashboard', exact: true }).click();
  const nodeAlert = page.locator(`[data-alert-key="node:${node.id}:down"]`);
  await expect(nodeAlert).toContainText('rpc-server on node1 stopped unexpectedly');
  await expect(nodeAlert).toContainText('Automatic recovery is off: start it from the Nodes view or batchdeck nodes start node1, or turn on automatic recovery in Settings.');
  await expect(page.locator('[data-alert-key]').filter({ hasText: 'automatic recovery is off. Restart it' })).toBeVisible();

  // Switched back on in Settings: rpc-server, then the coordinator over it, come back without another click.
  await page.getByRole('link', { name: 'Settings' }).click();
  await recoverySwitch(page).click();
  await expect(recoverySwitch(page)).toHaveAttribute('aria-checked', 'true');
  await page.getByRole('link', { name: 'Nodes' }).click();
  await expect(nodeCells(row).state).toContainText(/running|busy/, { timeout: 30_000 });
  expect(readPid(rpcPidFile(stack.sshd, rpcPort))).not.toBe(rpcPid);
  await expect(fact(coordinator, 'State')).toHaveText('ready', { timeout: 60_000 });
  stack.noteCoordinatorPid((await call('coordinator.status', {})).pid);
  // The panel now tells what recovery did, no longer that it is off.
  await expect(panelNote).toContainText('restarted automatically');
  await expect(panelNote).not.toContainText('is off');
  await page.getByRole('link', { name: 'Dashboard', exact: true }).click();
  await expect(page.locator(`[data-alert-key="node:${node.id}:down"]`)).toHaveCount(0);
  await expect(page.locator('[data-alert-key]').filter({ hasText: 'automatic recovery is off' })).toHaveCount(0);
});
