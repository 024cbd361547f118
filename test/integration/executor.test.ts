import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src-main/core/engine.ts';
import { startSimulator } from '../../src-main/simulator/simulator.ts';
import { chatLines, waitFor } from '../support/batchApi.ts';

type Sim = Awaited<ReturnType<typeof startSimulator>>;
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function setup(simOpts: Parameters<typeof startSimulator>[0], engineOpts: { concurrency?: number } = {}): Promise<{ engine: Engine; sim: Sim }> {
  const sim = await startSimulator({ port: 0, ...simOpts });
  const engine = await createEngine({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'bd-exec-')), backends: [sim.url], concurrency: engineOpts.concurrency ?? simOpts?.slots ?? 8, gpu: { enabled: false }, nodes: { enabled: false } });
  cleanup.push(() => sim.close(), () => engine.close());
  return { engine, sim };
}

const done = (engine: Engine, id: string, timeoutMs = 60_000) =>
  waitFor(`batch ${id} completed`, () => {
    const s = engine.batches.summary(id);
    return s.status === 'completed' ? s : null;
  }, timeoutMs, 20);

describe('executor', () => {
  it('keeps the backend slots full but never over its concurrency', async () => {
    const { engine, sim } = await setup({ latencyMs: 30, slots: 64 }, { concurrency: 6 });
    const b = await engine.batches.submitContent({ name: 'a', content: chatLines(120), priority: 0 });
    const s = await done(engine, b.id);
    expect(s.counts.completed).toBe(120);
    expect(sim.stats().maxInFlight).toBe(6);
  });

  it('shares one backend fairly between two batches of equal priority', async () => {
    const { engine } = await setup({ latencyMs: 20, slots: 4 });
    const a = await engine.batches.submitContent({ name: 'a', content: chatLines(400, { prefix: 'a' }), priority: 0 });
    const b = await engine.batches.submitContent({ name: 'b', content: chatLines(400, { prefix: 'b' }), priority: 0 });
    const count = (id: string) => engine.batches.summary(id).counts.completed;
    await waitFor('both running', () => count(a.id) > 0 && count(b.id) > 0);
    const a0 = count(a.id);
    const b0 = count(b.id);
    await waitFor('progress while both run', () => count(a.id) - a0 + count(b.id) - b0 >= 200);
    const da = count(a.id) - a0;
    const db = count(b.id) - b0;
    // Each gets about half of the backend while both are active.
    expect(Math.abs(da - db)).toBeLessThanOrEqual((da + db) * 0.2);
    await done(engine, a.id);
    await done(engine, b.id);
  });

  it('runs a higher-priority batch ahead of a lower one', async () => {
    const { engine } = await setup({ latencyMs: 20, slots: 4 });
    const low = await engine.batches.submitContent({ name: 'low', content: chatLines(300, { prefix: 'low' }), priority: 0 });
    await waitFor('low started', () => engine.batches.summary(low.id).counts.completed > 10);
    const high = await engine.batches.submitContent({ name: 'high', content: chatLines(80, { prefix: 'high' }), priority: 10 });
    const highDone = await done(engine, high.id);
    expect(highDone.counts.completed).toBe(80);
    expect(engine.batches.summary(low.id).status).toBe('in_progress');
  });

  it('pauses without losing work and resumes to the end', async () => {
    const { engine } = await setup({ latencyMs: 20, slots: 4 });
    const b = await engine.batches.submitContent({ name: 'p', content: chatLines(200), priority: 0 });
    await waitFor('some done', () => engine.batches.summary(b.id).counts.completed > 20);
    engine.batches.pause(b.id);
    await waitFor('in-flight drained', () => engine.batches.summary(b.id).inFlight === 0);
    const atPause = engine.batches.summary(b.id).counts.completed;
    await new Promise((r) => setTimeout(r, 300));
    expect(engine.batches.summary(b.id)).toMatchObject({ status: 'paused', counts: { completed: atPause } });
    engine.batches.resume(b.id);
    expect((await done(engine, b.id)).counts).toEqual({ total: 200, completed: 200, failed: 0 });
  });

  it('cancelling a running batch stops its requests in flight at once instead of waiting for their answers', async () => {
    const { engine } = await setup({ latencyMs: 30_000, slots: 4 }, { concurrency: 4 });
    const b = await engine.batches.submitContent({ name: 'c', content: chatLines(8), priority: 0 });
    const inFlight = () => engine.registry.all().reduce((n, x) => n + x.inFlight, 0);
    await waitFor('4 requests in flight', () => inFlight() === 4);
    expect(engine.batches.cancel(b.id)).toMatchObject({ status: 'cancelled', counts: { completed: 0 } });
    // Their answers would take 30 s: the slots are free long before, because the requests were stopped.
    await waitFor('the stopped requests to leave the backend', () => inFlight() === 0, 5_000, 20);
    expect(engine.batches.summary(b.id)).toMatchObject({ status: 'cancelled', counts: { completed: 0 } });
  });

  it('routes a batch only to a backend that serves its model, and says why it waits when none does', async () => {
    const { engine } = await setup({ latencyMs: 1, slots: 4, models: ['sim-model'] });
    const b = await engine.batches.submitContent({ name: 'm', content: chatLines(5, { model: 'other-model' }), priority: 0 });
    const alert = await waitFor('waiting alert', () => engine.alerts.list().find((a) => a.key === `batch:${b.id}:waiting`), 15_000);
    expect(alert.message).toMatch(/no healthy backend serves model other-model/);
    expect(engine.batches.summary(b.id).counts.completed).toBe(0);
    const sim2 = await startSimulator({ port: 0, latencyMs: 1, slots: 2, models: ['other-model'] });
    cleanup.push(() => sim2.close());
    await engine.registry.add({ name: 'second', kind: 'openai-compatible', baseUrl: sim2.url, maxConcurrency: 2 });
    await done(engine, b.id);
    expect(sim2.stats().requests).toBe(5);
    expect(engine.alerts.list().find((a) => a.key === `batch:${b.id}:waiting`)).toBeUndefined();
  });

  it('keeps failed requests as dead letters with their reason, and retries them on demand', async () => {
    const { engine, sim } = await setup({ latencyMs: 1, slots: 4, errorRate: 1 });
    await engine.router.dispatch('settings.update', { maxAttempts: 1 });
    const b = await engine.batches.submitContent({ name: 'r', content: chatLines(20), priority: 0 });
    const first = await done(engine, b.id);
    expect(first.counts).toEqual({ total: 20, completed: 0, failed: 20 });
    const dead = engine.queries.results(b.id, { offset: 0, limit: 100, state: 'failed' });
    expect(dead.total).toBe(20);
    expect(dead.rows[0]!.error?.message).toMatch(/HTTP 500/);
    // The operator swaps the broken backend for a healthy one and retries the dead letters.
    const healthy = await startSimulator({ port: 0, latencyMs: 1, slots: 2 });
    cleanup.push(() => healthy.close());
    for (const x of engine.registry.list()) if (x.baseUrl === sim.url) engine.registry.remove(x.id);
    await engine.registry.add({ name: 'healthy', kind: 'openai-compatible', baseUrl: healthy.url, maxConcurrency: 2 });
    engine.batches.retryFailed(b.id);
    const after = await done(engine, b.id);
    expect(after.counts).toEqual({ total: 20, completed: 20, failed: 0 });
    expect(engine.queries.download(b.id, 'error').lines).toBe(0);
    expect(engine.queries.log(b.id, 100).map((e) => e.message).join('\n')).toMatch(/Retrying 20 failed requests/);
  });

  it('gives up on a request after the timeout and attempts and says so in the error file', async () => {
    const { engine } = await setup({ latencyMs: 400, slots: 4 });
    await engine.router.dispatch('settings.update', { requestTimeoutMs: 100, maxAttempts: 2 });
    const b = await engine.batches.submitContent({ name: 't', content: chatLines(2), priority: 0 });
    const s = await done(engine, b.id, 20_000);
    expect(s.counts).toEqual({ total: 2, completed: 0, failed: 2 });
    const errs = engine.queries.download(b.id, 'error').content.trim().split('\n').map((l) => JSON.parse(l));
    expect(errs[0].error).toMatchObject({ code: 'timeout', message: expect.stringMatching(/gave up after 2 attempts.*no response within 100 ms/) });
  });

  it('reports throughput, tokens and ETA while running and the output is readable mid-batch', async () => {
    const { engine } = await setup({ latencyMs: 10, slots: 8 });
    const b = await engine.batches.submitContent({ name: 'x', content: chatLines(600), priority: 0 });
    await waitFor('running for a while', () => engine.batches.summary(b.id).counts.completed > 150);
    const mid = engine.batches.summary(b.id);
    expect(mid.throughput.requestsPerSecond).toBeGreaterThan(0);
    expect(mid.usage.completionTokens).toBeGreaterThan(0);
    const partial = engine.queries.download(b.id, 'output');
    expect(partial.lines).toBeGreaterThan(100);
    expect(partial.lines).toBeLessThan(600);
    const ids = partial.content.trim().split('\n').map((l) => Number(JSON.parse(l).custom_id.split('-')[1]));
    expect([...ids].sort((x, y) => x - y)).toEqual(ids);
    await done(engine, b.id);
  });
});
