import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, chatLines, downloadLines, submitText, waitFor } from '../support/batchApi.ts';
import { startServe, startSimulatorProcess, type Spawned } from '../support/processes.ts';
import { getFreePort } from '../support/freePort.ts';

describe('transient faults and a backend outage', () => {
  let serve: Spawned;
  let sim: Spawned | null = null;
  let port: number;
  const simArgs = () => ['--port', String(port), '--latency-ms', '40', '--slots', '8', '--error-rate', '0.05', '--rate-limit-rate', '0.05'];

  beforeAll(async () => {
    port = await getFreePort();
    sim = await startSimulatorProcess(simArgs());
    serve = await startServe(['--data-dir', fs.mkdtempSync(path.join(os.tmpdir(), 'bd-faults-')), '--backend', `http://127.0.0.1:${port}/v1`]);
  });
  afterAll(async () => {
    await serve?.kill();
    await sim?.kill();
  });

  it('completes with nothing lost when the backend errors, rate-limits and disappears for 20 s mid-batch', async () => {
    const N = 1500;
    const call = api(serve.url);
    // Three requests the backend refuses for good (400): they must fail with their reason, the rest must not.
    const content = chatLines(N, { extra: (i) => (i === 10 || i === 700 || i === 1400 ? { max_tokens: -5 } : {}) });
    const batch = await submitText(serve.url, { name: 'faults.jsonl', content });
    await waitFor('a few hundred done', async () => (await call('batches.get', { id: batch.id })).counts.completed >= 300, 60_000, 50);

    await sim!.kill('SIGKILL');
    sim = null;
    const down = await waitFor('backend marked down', async () => (await call('backends.list', {})).find((b) => b.health === 'down'), 10_000, 50);
    expect(down.lastError).toBeTruthy();
    const during = await call('batches.get', { id: batch.id });
    await new Promise((r) => setTimeout(r, 20_000));
    const stillWaiting = await call('batches.get', { id: batch.id });
    // Nothing failed while the backend was gone: requests waited without using up attempts.
    expect(stillWaiting.counts.failed).toBe(during.counts.failed);
    expect(stillWaiting.status).toBe('in_progress');

    sim = await startSimulatorProcess(simArgs());
    const done = await waitFor('batch completed', async () => {
      const b = await call('batches.get', { id: batch.id });
      return b.status === 'completed' ? b : null;
    }, 120_000, 200);

    expect(done.counts.total).toBe(N);
    expect(done.counts.completed + done.counts.failed).toBe(N);
    expect(done.counts.failed).toBe(3);
    const out = (await downloadLines(serve.url, batch.outputFileId!)).map((l) => (JSON.parse(l) as { custom_id: string }).custom_id);
    const errs = (await downloadLines(serve.url, batch.errorFileId!)).map((l) => JSON.parse(l) as { custom_id: string; error: { message: string } });
    expect(new Set([...out, ...errs.map((e) => e.custom_id)]).size).toBe(N);
    expect(errs.map((e) => e.custom_id)).toEqual(['req-10', 'req-700', 'req-1400']);
    for (const e of errs) expect(e.error.message).toMatch(/HTTP 400 .*not retried/);
    const log = (await call('batches.log', { id: batch.id, limit: 5000 })).map((e) => e.message).join('\n');
    expect(log).toMatch(/Backend .* is down/);
    expect(log).toMatch(/Backend .* is up/);
  }, 240_000);
});
