import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../src-main/simulator/simulator.ts';
import { findLlamaBinaries, type LlamaBinaries } from '../../support/llamaBinaries.ts';
import { tinyLlamaModelPath } from '../../support/gguf/tinyLlamaModel.ts';
import { getFreePort } from '../../support/freePort.ts';
import { skipUnlessCi } from '../../support/prerequisite.ts';
import { waitFor } from '../../support/batchApi.ts';
import { startServe, type Spawned } from '../../support/processes.ts';

function responsesLines(n: number, model: string, opts: { bad?: (i: number) => boolean } = {}): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const body = opts.bad?.(i)
      ? { model, input: { not: 'an input' } }
      : i % 2 === 0
        ? { model, input: `Say hello to number ${i}.`, max_output_tokens: 8 }
        : { model, input: [{ role: 'user', content: `Count to ${i}.` }], max_output_tokens: 8 };
    lines.push(JSON.stringify({ custom_id: `resp-${i}`, method: 'POST', url: '/v1/responses', body }));
  }
  return lines.join('\n') + '\n';
}

async function runBatch(client: OpenAI, content: string) {
  const file = await client.files.create({ file: await toFile(Buffer.from(content), 'responses.jsonl'), purpose: 'batch' });
  const created = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/responses', completion_window: '24h' });
  return waitFor('responses batch to finish', async () => {
    const b = await client.batches.retrieve(created.id);
    return ['completed', 'failed', 'expired', 'cancelled'].includes(b.status) ? b : null;
  }, 120_000);
}

async function outputLines(client: OpenAI, fileId: string) {
  return (await (await client.files.content(fileId)).text()).trim().split('\n').map((l) => JSON.parse(l) as {
    custom_id: string; response: { status_code: number; body: { object: string; usage: { input_tokens: number; output_tokens: number } } }; error: unknown;
  });
}

describe('/v1/responses batches through the official openai SDK (simulated backend)', () => {
  let sim: RunningSimulator;
  let serve: Spawned;
  let client: OpenAI;

  beforeAll(async () => {
    sim = await startSimulator({ port: 0, latencyMs: 2, slots: 8, models: ['sim-model'] });
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-resp-'));
    serve = await startServe(['--data-dir', dataDir, '--backend', sim.url]);
    client = new OpenAI({ baseURL: `${serve.url}/v1`, apiKey: 'loopback', maxRetries: 0 });
  });

  afterAll(async () => {
    await serve?.kill();
    await sim?.close();
  });

  it('runs a Responses batch to completion and counts input/output tokens in the batch usage', async () => {
    const done = await runBatch(client, responsesLines(20, 'sim-model'));
    expect(done.status).toBe('completed');
    expect(done.endpoint).toBe('/v1/responses');
    expect(done.request_counts).toEqual({ total: 20, completed: 20, failed: 0 });
    const lines = await outputLines(client, done.output_file_id!);
    expect(lines.map((l) => l.custom_id)).toEqual(Array.from({ length: 20 }, (_, i) => `resp-${i}`));
    for (const l of lines) expect(l.response.body.object).toBe('response');
    const input = lines.reduce((n, l) => n + l.response.body.usage.input_tokens, 0);
    const output = lines.reduce((n, l) => n + l.response.body.usage.output_tokens, 0);
    expect(output).toBe(20 * 8);
    expect(done.usage).toMatchObject({ input_tokens: input, output_tokens: output, total_tokens: input + output });
  });

  it('refuses a Responses file whose input is missing or not a string or array, naming every bad line', async () => {
    const done = await runBatch(client, responsesLines(6, 'sim-model', { bad: (i) => i === 2 || i === 4 }));
    expect(done.status).toBe('failed');
    const errors = done.errors?.data ?? [];
    expect(errors.map((e) => [e.line, e.code, e.param])).toEqual([[3, 'missing_input', 'body.input'], [5, 'missing_input', 'body.input']]);
  });
});

const llama = findLlamaBinaries();
const llamaMissing = skipUnlessCi('skip' in llama ? llama.skip : null);

describe.skipIf(llamaMissing !== null)(`/v1/responses batches against the real llama-server${llamaMissing ? ` (skipped: ${llamaMissing})` : ''}`, () => {
  let server: ChildProcess;
  let serve: Spawned;
  let client: OpenAI;
  let log = '';

  beforeAll(async () => {
    const { llamaServer } = llama as LlamaBinaries;
    const port = await getFreePort();
    server = spawn(llamaServer, ['-m', tinyLlamaModelPath(), '--host', '127.0.0.1', '--port', String(port), '-c', '512', '-np', '2', '--alias', 'tiny'], { stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (d: Buffer) => { log += d.toString(); });
    server.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
    await waitFor(`llama-server /health on ${port}`, async () => {
      if (server.exitCode !== null) throw new Error(`llama-server exited ${server.exitCode}: ${log.slice(-2000)}`);
      const r = await fetch(`http://127.0.0.1:${port}/health`).catch(() => null);
      return r?.status === 200;
    }, 60_000, 200);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-resp-llama-'));
    serve = await startServe(['--data-dir', dataDir, '--backend', `http://127.0.0.1:${port}/v1`, '--concurrency', '2']);
    client = new OpenAI({ baseURL: `${serve.url}/v1`, apiKey: 'loopback', maxRetries: 0 });
  }, 120_000);

  afterAll(async () => {
    await serve?.kill();
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
  });

  it('gets object "response" answers with Responses usage from llama-server, counted in the batch usage', async () => {
    const done = await runBatch(client, responsesLines(4, 'tiny'));
    expect(done.status, log.slice(-2000)).toBe('completed');
    expect(done.request_counts).toEqual({ total: 4, completed: 4, failed: 0 });
    const lines = await outputLines(client, done.output_file_id!);
    for (const l of lines) {
      expect(l.response.status_code).toBe(200);
      expect(l.response.body.object).toBe('response');
      expect(l.response.body.usage.input_tokens).toBeGreaterThan(0);
    }
    const input = lines.reduce((n, l) => n + l.response.body.usage.input_tokens, 0);
    const output = lines.reduce((n, l) => n + l.response.body.usage.output_tokens, 0);
    expect(done.usage).toMatchObject({ input_tokens: input, output_tokens: output });
  });
});
