import { expect, test, type Locator, type Page } from '@playwright/test';
import { freePort, sshdUnavailableReason } from '../../support/sshdHarness.ts';
import { fact, nodeBlock, nodeCells, startNodesStack, type NodesStack } from '../nodes/support.ts';

/**
 * The whole Nodes flow with the keyboard alone (Tab, typing, Enter, arrow keys; no click): add a node, accept its
 * host key, start it, start the coordinator over it, stop both. Against a real sshd on loopback with the
 * stand-in rpc-server and the stand-in llama-server (the keyboard path does not depend on which binary runs).
 */

const unavailable = sshdUnavailableReason();
test.skip(unavailable !== null, unavailable ?? '');

let stack: NodesStack | null = null;
test.afterEach(async () => {
  await stack?.stop();
  stack = null;
});

/** Presses Tab until the target has the focus, as an operator tabbing through the window would. */
async function tabTo(page: Page, target: Locator, maxPresses = 200): Promise<void> {
  await target.waitFor();
  for (let i = 0; i < maxPresses; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`${maxPresses} Tab presses did not reach ${target.toString()}`);
}

/** The focused control shows it with a 2 px outline, not only a faint glow or a border colour. */
async function focusVisible(target: Locator): Promise<boolean> {
  return target.evaluate((el) => {
    const style = getComputedStyle(el);
    return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  });
}

async function typeInto(page: Page, field: Locator, text: string): Promise<void> {
  await tabTo(page, field);
  expect(await focusVisible(field)).toBe(true);
  await page.keyboard.press('Control+A');
  await page.keyboard.type(text);
}

test('the Nodes flow works from the keyboard alone: add, accept the key, start, coordinator, stop', async ({ page }) => {
  test.setTimeout(180_000);
  stack = await startNodesStack();
  const { sshd } = stack;
  const rpcPort = await freePort();
  await page.goto(`${stack.url}/#/nodes`);
  await expect(page.getByRole('heading', { name: 'GPU nodes' })).toBeVisible();

  // Add.
  const addButton = page.getByRole('button', { name: 'Add node…' });
  await tabTo(page, addButton);
  expect(await focusVisible(addButton)).toBe(true);
  await page.keyboard.press('Enter');
  const form = page.getByRole('form', { name: 'Add a node' });
  await expect(form.getByRole('heading', { name: 'Add a node' })).toBeVisible();
  await typeInto(page, form.getByLabel('Name', { exact: true }), 'keys-only');
  await typeInto(page, form.getByLabel('Host', { exact: true }), sshd.host);
  await typeInto(page, form.getByLabel('SSH port', { exact: true }), String(sshd.port));
  await typeInto(page, form.getByLabel('User', { exact: true }), sshd.user);
  const auth = form.getByLabel('Authentication', { exact: true });
  await tabTo(page, auth);
  await page.keyboard.press('ArrowDown'); // ssh-agent -> Key file
  await expect(auth).toHaveValue('key');
  await typeInto(page, form.getByLabel('Key file', { exact: true }), sshd.keyPath);
  await typeInto(page, form.getByLabel('RPC port', { exact: true }), String(rpcPort));
  await tabTo(page, form.getByRole('button', { name: 'Add node', exact: true }));
  await page.keyboard.press('Enter');
  await expect(form).toBeHidden({ timeout: 20_000 });

  // Accept the host key.
  const { row, block } = nodeBlock(page, 'keys-only');
  const cells = nodeCells(row);
  await tabTo(page, block.getByRole('button', { name: 'Accept host key of keys-only' }));
  await page.keyboard.press('Enter');
  await expect(cells.state).toContainText('stopped', { timeout: 20_000 });

  // The coordinator before any node runs: refused in words the window's operator can act on.
  const coordinator = page.getByRole('region', { name: 'Coordinator (llama-server)' });
  await typeInto(page, coordinator.getByLabel('Model path (GGUF in an allowed models folder)'), stack.model);
  await tabTo(page, coordinator.getByRole('button', { name: 'Start coordinator', exact: true }));
  await page.keyboard.press('Enter');
  const refusal = coordinator.getByRole('alert').filter({ hasText: 'The coordinator did not change' });
  await expect(refusal).toContainText('Start the nodes first');
  await expect(refusal).not.toContainText('(nodes start)');

  // Start it.
  await tabTo(page, row.getByRole('button', { name: 'Start keys-only' }));
  await page.keyboard.press('Enter');
  await expect(cells.state).toContainText('running', { timeout: 30_000 });

  // The coordinator over it.
  await tabTo(page, coordinator.getByRole('button', { name: 'Start coordinator', exact: true }));
  await page.keyboard.press('Enter');
  await expect(fact(coordinator, 'State')).toHaveText('ready', { timeout: 30_000 });
  // A disabled primary button looks disabled: not the colour of an enabled primary button, faded.
  const start = coordinator.getByRole('button', { name: 'Start coordinator', exact: true });
  await expect(start).toBeDisabled();
  const colours = await start.evaluate((e) => {
    const enabled = document.createElement('button');
    enabled.className = e.className;
    e.parentElement!.append(enabled);
    const on = getComputedStyle(enabled).backgroundColor;
    enabled.remove();
    return { disabled: getComputedStyle(e).backgroundColor, enabled: on };
  });
  expect(colours.disabled).not.toBe(colours.enabled);
  stack.noteCoordinatorPid(Number(await fact(coordinator, 'PID').textContent()) || null);

  // Stop both.
  await tabTo(page, coordinator.getByRole('button', { name: 'Stop coordinator' }));
  await page.keyboard.press('Enter');
  await expect(fact(coordinator, 'State')).toHaveText('stopped', { timeout: 20_000 });
  await tabTo(page, row.getByRole('button', { name: 'Stop keys-only' }));
  await page.keyboard.press('Enter');
  await expect(cells.state).toContainText('stopped', { timeout: 20_000 });
});
