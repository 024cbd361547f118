import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src-main/simulator/simulator.ts';
import { api, chatLines, waitFor } from '../support/batchApi.ts';
import { startServe, type Spawned } from '../support/processes.ts';

type Sim = Awaited<ReturnType<typeof startSimulator>>;

describe('the official openai SDK against batchdeck serve', () => {
  let fast: Sim;
  let slow: Sim;
  let serve: Spawned;
  let client: OpenAI;
  let dataDir: string;

  beforeAll(async () => {
    fast = await startSimulator({ port: 0, latencyMs: 2, slots: 16, models: ['sim-model'] });
    slow = await startSimulator({ port: 0, latencyMs: 100, slots: 2, models: ['slow-model'] });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-sdk-'));
    serve = await startServe(['--data-dir', dataDir, '--backend', fast.url, '--backend', slow.url]);
    client = new OpenAI({ baseURL: `${serve.url}/v1`, apiKey: 'not-needed-on-loopback', maxRetries: 0 });
    await api(serve.url)('settings.update', { maxAttempts: 2 });
  });

  afterAll(async () => {
    await serve?.kill();
    await fast?.close();
    await slow?.close();
  });

  it('uploads a file, runs a batch to completion and downloads output and errors in input order', async () => {
    // Lines with a negative max_tokens are refused by the backend (400): they must land in the error file.
    const content = chatLines(200, { extra: (i) => (i % 50 === 7 ? { max_tokens: -1 } : {}) });
    const file = await client.files.create({ file: await toFile(Buffer.from(content), 'sdk.jsonl'), purpose: 'batch' });
    expect(file).toMatchObject({ object: 'file', purpose: 'batch', filename: 'sdk.jsonl', bytes: Buffer.byteLength(content) });
    expect((await client.files.retrieve(file.id)).id).toBe(file.id);

    const created = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { job: 'sdk-test' } });
    expect(created).toMatchObject({ object: 'batch', status: 'validating', input_file_id: file.id, metadata: { job: 'sdk-test' } });

    const done = await waitFor('batch completed', async () => {
      const b = await client.batches.retrieve(created.id);
      return b.status === 'completed' ? b : null;
    });
    expect(done.request_counts).toEqual({ total: 200, completed: 196, failed: 4 });
    expect(done.output_file_id).toBeTruthy();
    expect(done.error_file_id).toBeTruthy();

    const output = (await (await client.files.content(done.output_file_id!)).text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(output).toHaveLength(196);
    const expectedIds = Array.from({ length: 200 }, (_, i) => `req-${i}`).filter((_, i) => i % 50 !== 7);
    expect(output.map((l) => l.custom_id)).toEqual(expectedIds);
    expect(output[0]).toMatchObject({ response: { status_code: 200, body: { object: 'chat.completion' } }, error: null });

    const errors = (await (await client.files.content(done.error_file_id!)).text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(errors.map((l) => l.custom_id)).toEqual(['req-7', 'req-57', 'req-107', 'req-157']);
    for (const e of errors) {
      expect(e.response.status_code).toBe(400);
      expect(e.error.message).toMatch(/HTTP 400/);
    }
  });

  it('lists batches page by page with OpenAI cursors', async () => {
    const file = await client.files.create({ file: await toFile(Buffer.from(chatLines(3)), 'tiny.jsonl'), purpose: 'batch' });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' })).id);
    const seen: string[] = [];
    let page = await client.batches.list({ limit: 2 });
    seen.push(...page.data.map((b) => b.id));
    expect(page.data).toHaveLength(2);
    while (page.hasNextPage()) {
      page = await page.getNextPage();
      seen.push(...page.data.map((b) => b.id));
    }
    // Newest first, and nothing repeated across pages.
    expect(seen.slice(0, 3)).toEqual([...ids].reverse());
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(4);
  });

  it('cancels a running batch and keeps the results it already had', async () => {
    const file = await client.files.create({ file: await toFile(Buffer.from(chatLines(400, { model: 'slow-model' })), 'slow.jsonl'), purpose: 'batch' });
    const b = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    await waitFor('some results', async () => (await client.batches.retrieve(b.id)).request_counts!.completed >= 4);
    const cancelled = await client.batches.cancel(b.id);
    expect(['cancelling', 'cancelled']).toContain(cancelled.status);
    const final = await waitFor('cancelled', async () => {
      const x = await client.batches.retrieve(b.id);
      return x.status === 'cancelled' ? x : null;
    });
    expect(final.request_counts!.completed).toBeGreaterThanOrEqual(4);
    expect(final.request_counts!.completed).toBeLessThan(400);
    const out = (await (await client.files.content(final.output_file_id!)).text()).trim().split('\n');
    expect(out).toHaveLength(final.request_counts!.completed);
  });

  it('answers malformed requests with OpenAI error bodies and stays up', async () => {
    await expect(client.batches.retrieve('batch_nope')).rejects.toMatchObject({ status: 404 });
    await expect(client.batches.create({ input_file_id: 'file-nope', endpoint: '/v1/chat/completions', completion_window: '24h' })).rejects.toMatchObject({ status: 404 });
    await expect(client.batches.create({ input_file_id: 'x', endpoint: '/v1/images' as '/v1/chat/completions', completion_window: '24h' })).rejects.toMatchObject({ status: 400, param: 'endpoint' });
    const raw = await fetch(`${serve.url}/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"input_file_id":' });
    expect(raw.status).toBe(400);
    expect((await raw.json()).error).toMatchObject({ message: expect.any(String), type: 'invalid_request_error' });
    const models = await client.models.list();
    expect(models.data.map((m) => m.id).sort()).toEqual(['sim-model', 'slow-model']);
  });
});
