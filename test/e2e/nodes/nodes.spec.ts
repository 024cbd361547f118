import fs from 'node:fs';
import { expect, test as base } from '@playwright/test';
import { chatLines } from '../../support/batchApi.ts';
import { freePort, sshdUnavailableReason, type SshdOptions } from '../../support/sshdHarness.ts';
import {
  GiB, addNodeThroughForm, fact, nodeBlock, nodeCells, rpcPidFile, startNodesStack, type NodesStack,
} from './support.ts';

/**
 * The Nodes view in Chromium against a real `batchdeck serve`, a real OpenSSH sshd on loopback with a
 * stand-in rpc-server that speaks the wire protocol, and a stand-in llama-server as the coordinator.
 */

const unavailable = sshdUnavailableReason();

const test = base.extend<{ stacks: { start(o?: { sshd?: SshdOptions; serveArgs?: string[] }): Promise<NodesStack> } }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright reads the fixture's dependencies from this pattern
  stacks: async ({}, use) => {
    const started: NodesStack[] = [];
    await use({
      async start(o) {
        const stack = await startNodesStack(o);
        started.push(stack);
        return stack;
      },
    });
    // Each one is stopped even when another fails to stop; the first failure is reported.
    const failures: unknown[] = [];
    for (const s of started.reverse()) await s.stop().catch((err: unknown) => failures.push(err));
    if (failures.length) throw failures[0];
  },
});

test.skip(unavailable !== null, unavailable ?? '');

test('add a node, accept its host key, start it, run a batch on the coordinator over it, stop everything', async ({ page, stacks }) => {
  test.setTimeout(120_000);
  // Two devices of 16 GiB on the node, as its rpc-server reports them over the protocol.
  const stack = await stacks.start({
    sshd: { rpcServerArgs: ['--devices', '2', '--mem-total', String(16 * GiB)] },
  });
  const { sshd } = stack;
  const rpcPort = await freePort();

  await page.goto(`${stack.url}/#/nodes`);
  await expect(page.getByRole('heading', { name: 'GPU nodes' })).toBeVisible();
  await addNodeThroughForm(page, { name: 'gpu-1', sshd, rpcPort });

  // First contact: the host key's fingerprint is shown for the operator to check, and nothing runs yet.
  const { row, block } = nodeBlock(page, 'gpu-1');
  const cells = nodeCells(row);
  const prompt = block.getByRole('status').filter({ hasText: 'First connection to' });
  await expect(prompt).toBeVisible();
  await expect(prompt.locator('code').first()).toHaveText(sshd.hostKeyFingerprint);
  await expect(cells.state).toContainText('unknown');

  await block.getByRole('button', { name: 'Accept host key' }).click();
  await expect(prompt).toBeHidden();
  await expect(cells.state).toContainText('stopped');

  // Start: rpc-server runs on the node, confirmed by the protocol probe through the SSH tunnel.
  await row.getByRole('button', { name: /^Start / }).click();
  await expect(cells.state).toContainText('running', { timeout: 30_000 });
  await expect(cells.version).toContainText('4.0.0');
  await expect(cells.version).toContainText('protocol v4');
  await expect(cells.memory).toContainText('dev 0: 15.8 GiB free of 16 GiB');
  await expect(cells.memory).toContainText('dev 1: 15.5 GiB free of 16 GiB');
  await expect(cells.latency).toHaveText(/^\d+(\.\d)? ms$/);
  expect(fs.existsSync(rpcPidFile(sshd, rpcPort))).toBe(true);

  // The coordinator: llama-server over the running node, with a model path; ready, and a backend.
  const coordinator = page.getByRole('region', { name: 'Coordinator (llama-server)' });
  await expect(fact(coordinator, 'State')).toHaveText('stopped');
  await coordinator.getByLabel('Model path (GGUF in an allowed models folder)').fill(stack.model);
  await coordinator.getByRole('button', { name: 'Start coordinator', exact: true }).click();
  await expect(fact(coordinator, 'State')).toHaveText('ready', { timeout: 30_000 });
  await expect(fact(coordinator, 'Model')).toHaveText(stack.model);
  await expect(fact(coordinator, 'Endpoints')).toHaveText(/^127\.0\.0\.1:\d+$/);
  const baseUrl = (await fact(coordinator, 'Serving at').textContent()) ?? '';
  expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  stack.noteCoordinatorPid(Number(await fact(coordinator, 'PID').textContent()) || null);
  // llama-server holds rpc-server's single connection: the probe reads the node busy, not down.
  await expect(cells.state).toContainText('busy', { timeout: 20_000 });

  // Its /v1/models names the model the batch asks for.
  const listed = (await (await fetch(`${baseUrl}/models`)).json()) as { data: { id: string }[] };
  const modelId = listed.data[0]!.id;

  await page.goto(`${stack.url}/#/backends`);
  const backend = page.getByRole('listitem', { name: 'Backend llama-server coordinator (tiny-model.gguf)' });
  await expect(backend).toBeVisible();
  await expect(backend.getByRole('list', { name: /^Models served by/ })).toContainText(modelId);

  // A small batch, run on the coordinator.
  await page.goto(`${stack.url}/#/submit`);
  await page.getByLabel('Drop a batch file (.jsonl)').setInputFiles({
    name: 'over-the-node.jsonl',
    mimeType: 'application/jsonl',
    buffer: Buffer.from(chatLines(20, { model: modelId, prefix: 'node' })),
  });
  await page.getByLabel('Batch name').fill('over the node');
  await page.getByLabel('Model', { exact: true }).selectOption(modelId);
  await page.getByRole('button', { name: 'Submit batch' }).click();
  await expect(page).toHaveURL(/#\/batches\/[^/]+$/);
  await expect(page.getByRole('heading', { name: 'over the node' })).toBeVisible();
  await expect(page.getByText('20 / 20', { exact: true })).toBeVisible({ timeout: 60_000 });
  await expect(page.locator('.batch-header__title').getByText('completed', { exact: true })).toBeVisible();
  // The replies came from llama-server over the node's rpc-server.
  await expect(page.getByRole('table', { name: 'Results' })).toContainText('over 1 rpc-server');

  // Stop everything: the coordinator (and its backend), then the node.
  await page.goto(`${stack.url}/#/nodes`);
  await coordinator.getByRole('button', { name: 'Stop coordinator' }).click();
  await expect(fact(coordinator, 'State')).toHaveText('stopped', { timeout: 20_000 });
  await expect(fact(coordinator, 'PID')).toHaveText('—');
  await page.getByRole('button', { name: 'Stop all' }).click();
  await page.getByRole('button', { name: 'Confirm stop all' }).click();
  await expect(cells.state).toContainText('stopped', { timeout: 20_000 });
  await expect(cells.version).toHaveText('—');
  await expect.poll(() => fs.existsSync(rpcPidFile(sshd, rpcPort))).toBe(false);

  await page.goto(`${stack.url}/#/backends`);
  await expect(backend).toBeHidden();
});

test('a node whose SSH host key changed is refused, showing the accepted and the offered fingerprints', async ({ page, stacks }) => {
  test.setTimeout(90_000);
  const stack = await stacks.start();
  const { sshd } = stack;
  const rpcPort = await freePort();
  const accepted = sshd.hostKeyFingerprint;

  // Accepted up front, from the form: first contact connects without a prompt.
  await page.goto(`${stack.url}/#/nodes`);
  await addNodeThroughForm(page, { name: 'gpu-rekeyed', sshd, rpcPort, acceptedFingerprint: accepted });
  const { row, block } = nodeBlock(page, 'gpu-rekeyed');
  const cells = nodeCells(row);
  await expect(cells.state).toContainText('stopped');
  await expect(block.getByRole('button', { name: 'Accept host key' })).toHaveCount(0);

  // The node comes back on the same address with another host key (reinstalled, or someone in between).
  await sshd.rotateHostKey();
  const offered = sshd.hostKeyFingerprint;
  expect(offered).not.toBe(accepted);

  await row.getByRole('button', { name: /^Start / }).click();
  const warning = block.getByRole('alert').filter({ hasText: `The SSH host key of ${sshd.host} changed` });
  await expect(warning).toContainText(`The SSH host key of ${sshd.host} changed.`, { timeout: 20_000 });
  await expect(warning).toContainText('refuses to connect');
  await expect(warning.locator('code').filter({ hasText: accepted })).toHaveText(accepted);
  await expect(warning.locator('code').filter({ hasText: offered })).toHaveText(offered);
  await expect(cells.state).toContainText('error');
  await expect(cells.version).toHaveText('—');
  // Refused before anything ran on the node.
  expect(fs.existsSync(rpcPidFile(sshd, rpcPort))).toBe(false);

  // Accepting the new key, knowingly, lets the node start again.
  await warning.getByRole('button', { name: 'Accept host key' }).click();
  await expect(warning).toBeHidden();
  await expect(cells.state).toContainText('stopped');
  await row.getByRole('button', { name: /^Start / }).click();
  await expect(cells.state).toContainText('running', { timeout: 30_000 });
  await row.getByRole('button', { name: /^Stop / }).click();
  await expect(cells.state).toContainText('stopped', { timeout: 20_000 });
});
