import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../src-main/simulator/simulator.ts';
import { api, chatLines, waitFor } from '../../support/batchApi.ts';
import { startInProcessServer, type InProcessServer } from './inProcessServer.ts';

describe('queue limits refuse new batches with 429 before anything is queued', () => {
  let sim: RunningSimulator;
  let server: InProcessServer;
  let client: OpenAI;
  let call: ReturnType<typeof api>;

  beforeAll(async () => {
    // One slow slot keeps the first batch queued while the limits are tried.
    sim = await startSimulator({ port: 0, latencyMs: 300, slots: 1, models: ['sim-model'] });
    server = await startInProcessServer([sim.url], 1);
    client = server.client;
    call = api(server.http.url);
  });

  afterAll(async () => {
    await server?.close();
    await sim?.close();
  });

  const upload = async (n: number, name: string) => client.files.create({ file: await toFile(Buffer.from(chatLines(n, { prefix: name })), `${name}.jsonl`), purpose: 'batch' });

  it('is unlimited by default', async () => {
    const settings = await call('settings.get', {});
    expect(settings).toMatchObject({ maxQueuedBatches: 0, maxQueuedRequests: 0 });
    const est = await call('batches.estimate', { requestCount: 1_000_000, model: null, priority: 0 });
    expect(est.queueLimit).toBeNull();
  });

  it('answers 429 naming maxQueuedBatches and its value once that many batches are queued, and the estimate says so first', async () => {
    await call('settings.update', { maxQueuedBatches: 1 });
    const first = await client.batches.create({ input_file_id: (await upload(20, 'a')).id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    await waitFor('first batch queued', async () => (await client.batches.retrieve(first.id)).status === 'in_progress');

    const est = await call('batches.estimate', { requestCount: 5, model: null, priority: 0 });
    expect(est.queueLimit).toMatchObject({ setting: 'maxQueuedBatches', limit: 1, current: 1 });

    const second = await upload(5, 'b');
    const err = await client.batches.create({ input_file_id: second.id, endpoint: '/v1/chat/completions', completion_window: '24h' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err).toMatchObject({ status: 429, code: 'queue_limit_exceeded' });
    expect((err as Error).message).toMatch(/maxQueuedBatches\) is 1\b/);
    expect((await client.batches.list()).data.map((b) => b.id)).toEqual([first.id]);

    await client.batches.cancel(first.id);
    const third = await client.batches.create({ input_file_id: second.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    expect(third.status).toBe('validating');
    await client.batches.cancel(third.id);
    await call('settings.update', { maxQueuedBatches: 0 });
  });

  it('answers 429 naming maxQueuedRequests when a file would take the queue over the limit', async () => {
    await call('settings.update', { maxQueuedRequests: 30 });
    const first = await client.batches.create({ input_file_id: (await upload(20, 'c')).id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    await waitFor('first batch validated', async () => (await client.batches.retrieve(first.id)).status === 'in_progress');

    const tooMany = await upload(20, 'd');
    const err = await client.batches.create({ input_file_id: tooMany.id, endpoint: '/v1/chat/completions', completion_window: '24h' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 429, code: 'queue_limit_exceeded' });
    expect((err as Error).message).toMatch(/maxQueuedRequests\) is 30\b/);
    const est = await call('batches.estimate', { requestCount: 20, model: null, priority: 0 });
    expect(est.queueLimit).toMatchObject({ setting: 'maxQueuedRequests', limit: 30 });

    // A small file still fits under the limit.
    const fits = await client.batches.create({ input_file_id: (await upload(2, 'e')).id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    expect(fits.status).toBe('validating');
    await client.batches.cancel(fits.id);
    await client.batches.cancel(first.id);
    await call('settings.update', { maxQueuedRequests: 0 });
  });

  it('refuses the contract\'s batches.submit with 429 over a limit, keeping the validated upload to submit later', async () => {
    await call('settings.update', { maxQueuedBatches: 1 });
    const running = await client.batches.create({ input_file_id: (await upload(20, 'f')).id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const file = await upload(3, 'g');
    const report = await call('files.validate', { fileId: file.id });
    expect(report.ok).toBe(true);
    const res = await fetch(`${server.http.url}/api/batches.submit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ fileId: file.id }) });
    expect(res.status).toBe(429);
    const body = (await res.json()) as { ok: false; error: { code: string; message: string } };
    expect(body.error.code).toBe('rate_limited');
    expect(body.error.message).toMatch(/maxQueuedBatches\) is 1\b/);

    await client.batches.cancel(running.id);
    const submitted = await call('batches.submit', { fileId: file.id, priority: 0 });
    expect(submitted.counts.total).toBe(3);
    await call('settings.update', { maxQueuedBatches: 0 });
  });
});
