import { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../src-main/simulator/simulator.ts';
import { chatLines, waitFor } from '../../support/batchApi.ts';
import { startInProcessServer, type InProcessServer } from './inProcessServer.ts';

describe('completion windows and expiry, through the official openai SDK', () => {
  let sim: RunningSimulator;
  let server: InProcessServer;

  beforeAll(async () => {
    // Slow enough that a 60-request batch is far from done when the test clock jumps.
    sim = await startSimulator({ port: 0, latencyMs: 150, slots: 2, models: ['sim-model'] });
    server = await startInProcessServer([sim.url], 2);
  });

  afterAll(async () => {
    await server?.close();
    await sim?.close();
  });

  it('expires a batch at expires_at: finished results stay in the output, the rest go to the error file as batch_expired', async () => {
    const { client, clock } = server;
    const file = await client.files.create({ file: await toFile(Buffer.from(chatLines(60)), 'expire.jsonl'), purpose: 'batch' });
    const created = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '30m' as '24h' });
    expect(created.completion_window).toBe('30m');
    expect(created.expires_at! - created.created_at).toBe(30 * 60);

    await waitFor('a few requests done', async () => ((await client.batches.retrieve(created.id)).request_counts?.completed ?? 0) >= 3);
    clock.advance(31 * 60 * 1000);
    const expired = await waitFor('batch expired', async () => {
      const b = await client.batches.retrieve(created.id);
      return b.status === 'expired' ? b : null;
    }, 10_000);
    const sentAtExpiry = sim.stats().requests;

    const counts = expired.request_counts!;
    expect(counts.total).toBe(60);
    expect(counts.completed).toBeGreaterThanOrEqual(3);
    expect(counts.completed).toBeLessThan(60);
    expect(counts.completed + counts.failed).toBe(60);
    expect(expired.expired_at).toBeTruthy();
    expect(expired.failed_at).toBeNull();

    const output = (await (await client.files.content(expired.output_file_id!)).text()).trim().split('\n').map((l) => JSON.parse(l) as { custom_id: string; response: { status_code: number } });
    expect(output).toHaveLength(counts.completed);
    for (const l of output) expect(l.response.status_code).toBe(200);

    const errors = (await (await client.files.content(expired.error_file_id!)).text()).trim().split('\n').map((l) => JSON.parse(l) as { custom_id: string; error: { code: string; message: string } });
    expect(errors).toHaveLength(counts.failed);
    for (const e of errors) expect(e.error.code).toBe('batch_expired');
    // Every request is in exactly one of the two files.
    expect(new Set([...output, ...errors].map((l) => l.custom_id)).size).toBe(60);

    // Nothing more is sent for an expired batch.
    await new Promise((r) => setTimeout(r, 500));
    expect(sim.stats().requests).toBe(sentAtExpiry);
  });

  it('accepts 24h and the documented windows 30m, 6h and 7d, and refuses others with a 400 naming the parameter', async () => {
    const { client } = server;
    const file = await client.files.create({ file: await toFile(Buffer.from(chatLines(1)), 'w.jsonl'), purpose: 'batch' });
    for (const [window, seconds] of [['24h', 86_400], ['6h', 21_600], ['7d', 604_800]] as const) {
      const b = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: window as '24h' });
      expect(b.expires_at! - b.created_at).toBe(seconds);
      await client.batches.cancel(b.id).catch(() => undefined);
    }
    for (const window of ['2w', '0h', '31d', '']) {
      const err = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: window as '24h' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ status: 400, param: 'completion_window' });
    }
  });
});
