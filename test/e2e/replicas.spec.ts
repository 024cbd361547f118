import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { api, chatLines, submitText, waitFor } from '../support/batchApi.ts';
import { freePort, sshdUnavailableReason } from '../support/sshdHarness.ts';
import { llamaShapedTensors, syntheticGgufBytes, writeLargeSyntheticModel } from '../unit/plan/syntheticGguf.ts';
import { GiB, startNodesStack, type NodesStack } from './nodes/support.ts';

/**
 * The fit plan and the Replicas panel of the Nodes view in Chromium, against a real `batchdeck serve`, two
 * nodes on a real OpenSSH sshd on loopback (stand-in rpc-servers reporting 16 GiB each) and the stand-in
 * llama-server as each node's replica.
 */

const unavailable = sshdUnavailableReason();
test.skip(unavailable !== null, unavailable ?? '');

let stack: NodesStack | null = null;
test.afterEach(async () => {
  if (stack) await api(stack.url)('replicas.stop', {}).catch(() => undefined);
  await stack?.stop();
  stack = null;
});

test('the plan shows before the click, then replicas start on both nodes and share a batch live', async ({ page }) => {
  test.setTimeout(120_000);
  stack = await startNodesStack({ sshd: { rpcServerArgs: ['--mem-total', String(16 * GiB)] } });
  const call = api(stack.url);
  // A 1B-class model at Q4_K (headers only: the plan reads nothing else; the stand-in llama-server loads anything).
  const small = path.join(stack.dataDir, 'small-q4k.gguf');
  const shape = { layers: 16, embedding: 2048, heads: 32, headsKv: 8, ff: 8192, vocab: 32000 };
  fs.writeFileSync(small, syntheticGgufBytes({ ...shape, contextLength: 4096, tensors: llamaShapedTensors({ ...shape, type: 12 }) }));
  const large = path.join(stack.dataDir, 'large-q4k.gguf');
  writeLargeSyntheticModel(large);
  for (const name of ['gpu-1', 'gpu-2']) {
    await call('nodes.add', {
      name, host: stack.sshd.host, sshPort: stack.sshd.port, user: stack.sshd.user, auth: { method: 'key', keyPath: stack.sshd.keyPath },
      rpcPort: await freePort(), acceptedHostKey: stack.sshd.hostKeyFingerprint,
    });
  }
  expect((await call('nodes.startAll', {})).map((n) => n.state)).toEqual(['running', 'running']);

  await page.goto(`${stack.url}/#/nodes`);
  await expect(page.getByRole('heading', { name: 'GPU nodes' })).toBeVisible();

  // The coordinator's plan, as the model path is typed: a 70B model does not fit, with the numbers.
  const coordinatorForm = page.getByRole('form', { name: 'Start the coordinator' });
  await coordinatorForm.getByLabel(/^Model path/).fill(large);
  const coordinatorPlan = coordinatorForm.getByRole('region', { name: 'Fit plan' });
  await expect(coordinatorPlan.getByRole('status')).toHaveText(/^does not fit across gpu-1, gpu-2 with --tensor-split 0\.5,0\.5; needs \d+\.\d GiB in all; gpu-1 needs \d+\.\d and has 15\.8 free/);
  await expect(coordinatorPlan.getByRole('status')).toHaveAttribute('data-fits', 'false');
  await coordinatorForm.getByLabel(/^Model path/).fill(small);
  await expect(coordinatorPlan.getByRole('status')).toHaveText(/^fits across gpu-1, gpu-2 with --tensor-split 0\.5,0\.5/);
  await expect(coordinatorPlan.getByRole('table', { name: 'Memory per node' })).toContainText('15.8 GiB');

  // The replicas' plan reads the model on the nodes (over SSH): it fits on both.
  const replicasForm = page.getByRole('form', { name: 'Start replicas' });
  await replicasForm.getByLabel('Model path on the nodes').fill(small);
  await replicasForm.getByLabel('llama-server on the nodes').fill(path.join(stack.dataDir, 'bin', 'llama-server'));
  await replicasForm.getByLabel('Extra llama-server flags').fill('-c 4096 -np 2');
  const replicasPlan = replicasForm.getByRole('region', { name: 'Fit plan' });
  await expect(replicasPlan.getByRole('status')).toHaveText(/^fits on gpu-1, gpu-2; needs \d+\.\d GiB per node$/);
  await expect(replicasPlan).toContainText('-c 4096, -np 2');

  await replicasForm.getByRole('button', { name: 'Start replicas' }).click();
  const table = page.getByRole('table', { name: 'Replicas' });
  for (const node of ['gpu-1', 'gpu-2']) {
    const row = table.getByRole('row', { name: `replica on ${node}` });
    await expect(row).toContainText('ready', { timeout: 30_000 });
    await expect(row).toContainText(/http:\/\/127\.0\.0\.1:\d+\/v1/);
  }

  // A batch for the model: both replicas serve it, and each one's share shows as it goes.
  await waitFor('both replica backends up', async () => {
    const bs = (await call('backends.list', {})).filter((b) => b.name.startsWith('replica on'));
    return bs.length === 2 && bs.every((b) => b.health === 'up') ? bs : null;
  }, 20_000, 200);
  await submitText(stack.url, { name: 'replicas.jsonl', content: chatLines(60, { model: 'small-q4k', prefix: 'rep' }) });
  for (const node of ['gpu-1', 'gpu-2']) {
    await expect(table.getByRole('row', { name: `replica on ${node}` }).getByRole('cell').nth(6)).toHaveText(/^[1-9]\d?%$/, { timeout: 30_000 });
  }

  await page.getByRole('button', { name: 'Stop replicas' }).click();
  await expect(table).toBeHidden({ timeout: 20_000 });
  expect((await call('backends.list', {})).filter((b) => b.name.startsWith('replica on'))).toEqual([]);
});
