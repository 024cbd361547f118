import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../src-main/simulator/simulator.ts';
import { chatLines, waitFor } from '../../support/batchApi.ts';
import { startServe, type Spawned } from '../../support/processes.ts';

describe("the replaced dashboard's routes: results, logs and DELETE", () => {
  let sim: RunningSimulator;
  let slow: RunningSimulator;
  let serve: Spawned;
  let client: OpenAI;
  const token = 'compat-routes-token';

  beforeAll(async () => {
    sim = await startSimulator({ port: 0, latencyMs: 2, slots: 8, models: ['sim-model'] });
    slow = await startSimulator({ port: 0, latencyMs: 500, slots: 1, models: ['slow-model'] });
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-compat-'));
    // Token mode: the compatibility routes must be guarded exactly like the OpenAI routes.
    serve = await startServe(['--data-dir', dataDir, '--backend', sim.url, '--backend', slow.url], { BATCHDECK_TOKEN: token });
    client = new OpenAI({ baseURL: `${serve.url}/v1`, apiKey: token, maxRetries: 0 });
  });

  afterAll(async () => {
    await serve?.kill();
    await sim?.close();
    await slow?.close();
  });

  const auth = { authorization: `Bearer ${token}` };

  it('GET /v1/batches/{id}/results is the output JSONL and /logs the event log as text', async () => {
    const file = await client.files.create({ file: await toFile(Buffer.from(chatLines(10)), 'compat.jsonl'), purpose: 'batch' });
    const b = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const done = await waitFor('completed', async () => {
      const x = await client.batches.retrieve(b.id);
      return x.status === 'completed' ? x : null;
    });

    const results = await fetch(`${serve.url}/v1/batches/${b.id}/results`, { headers: auth });
    expect(results.status).toBe(200);
    expect(results.headers.get('content-type')).toMatch(/jsonl/);
    const text = await results.text();
    expect(text).toBe(await (await client.files.content(done.output_file_id!)).text());
    expect(text.trim().split('\n')).toHaveLength(10);

    const logs = await fetch(`${serve.url}/v1/batches/${b.id}/logs`, { headers: auth });
    expect(logs.status).toBe(200);
    expect(logs.headers.get('content-type')).toMatch(/^text\/plain/);
    const log = await logs.text();
    expect(log).toMatch(/^\d{4}-\d\d-\d\dT\S+Z INFO +Created from compat\.jsonl/m);
    expect(log).toMatch(/Completed: 10 succeeded, 0 failed/);

    for (const route of ['results', 'logs']) {
      const missing = await fetch(`${serve.url}/v1/batches/batch_nope/${route}`, { headers: auth });
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(/batch_nope/);
    }
  });

  it('DELETE /v1/batches/{id} cancels like POST .../cancel and answers the Batch object', async () => {
    const lines = chatLines(20, { model: 'slow-model' });
    const file = await client.files.create({ file: await toFile(Buffer.from(lines), 'slow.jsonl'), purpose: 'batch' });
    const b = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    await waitFor('running', async () => (await client.batches.retrieve(b.id)).status === 'in_progress');
    const res = await fetch(`${serve.url}/v1/batches/${b.id}`, { method: 'DELETE', headers: auth });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { id: string; object: string; status: string };
    expect(body).toMatchObject({ id: b.id, object: 'batch', status: 'cancelled' });
    expect((await client.batches.retrieve(b.id)).status).toBe('cancelled');
  });

  it('refuses the compatibility routes without the token, like every API route', async () => {
    const list = await client.batches.list();
    const id = list.data[0]!.id;
    for (const [method, route] of [['GET', `/v1/batches/${id}/results`], ['GET', `/v1/batches/${id}/logs`], ['DELETE', `/v1/batches/${id}`]] as const) {
      const res = await fetch(`${serve.url}${route}`, { method });
      expect(res.status, `${method} ${route}`).toBe(401);
    }
  });
});
