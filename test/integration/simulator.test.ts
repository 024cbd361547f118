import http from 'node:http';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src-main/simulator/simulator.ts';

const running: RunningSimulator[] = [];
async function sim(opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  const s = await startSimulator({ port: 0, seed: 1234, ...opts });
  running.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

interface Reply { status: number; headers: http.IncomingHttpHeaders; body: string }

/** One raw HTTP request over `agent` (keep-alive, as the executor uses). */
function request(agent: http.Agent, base: string, method: string, path: string, body?: string): Promise<Reply> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path, method, agent, headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const chat = (extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ model: 'sim-model', messages: [{ role: 'user', content: 'Say something about batches.' }], max_tokens: 8, ...extra });

function withAgent<T>(fn: (agent: http.Agent) => Promise<T>): Promise<T> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  return fn(agent).finally(() => agent.destroy());
}

describe('simulated OpenAI-compatible backend', () => {
  it('answers the OpenAI SDK with realistic chat, completion and embedding bodies, usage included', async () => {
    const s = await sim({ models: ['sim-model', 'sim-embed'] });
    const client = new OpenAI({ baseURL: s.url, apiKey: 'not-needed', maxRetries: 0 });

    const c = await client.chat.completions.create({ model: 'sim-model', messages: [{ role: 'user', content: 'x'.repeat(40) }], max_tokens: 12 });
    expect(c.object).toBe('chat.completion');
    expect(c.id).toMatch(/^chatcmpl-/);
    expect(c.model).toBe('sim-model');
    expect(c.choices[0]?.message.role).toBe('assistant');
    expect(c.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(c.usage).toEqual({ prompt_tokens: 10, completion_tokens: 12, total_tokens: 22 });

    const again = await client.chat.completions.create({ model: 'sim-model', messages: [{ role: 'user', content: 'x'.repeat(40) }], max_tokens: 12 });
    expect(again.choices[0]?.message.content).toBe(c.choices[0]?.message.content);

    const t = await client.completions.create({ model: 'sim-model', prompt: 'Once upon a time' });
    expect(t.object).toBe('text_completion');
    expect(t.choices[0]?.text.length).toBeGreaterThan(0);
    expect(t.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 16 });

    // The SDK asks for base64 and decodes it; a wrong encoding would come back as garbage numbers.
    const e = await client.embeddings.create({ model: 'sim-embed', input: ['first text', 'second text'] });
    expect(e.data).toHaveLength(2);
    const v = e.data[0]?.embedding ?? [];
    expect(v.length).toBe(64);
    expect(Math.hypot(...v)).toBeCloseTo(1, 3);
    expect(e.usage.prompt_tokens).toBe(6);

    const floats = await client.embeddings.create({ model: 'sim-embed', input: 'first text', encoding_format: 'float', dimensions: 8 });
    expect(floats.data[0]?.embedding).toHaveLength(8);

    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['sim-model', 'sim-embed']);
  });

  it('serves /health and /props like llama-server', async () => {
    const s = await sim({ slots: 6 });
    const root = s.url.replace(/\/v1$/, '');
    await withAgent(async (agent) => {
      expect(JSON.parse((await request(agent, root, 'GET', '/health')).body)).toEqual({ status: 'ok' });
      expect(JSON.parse((await request(agent, root, 'GET', '/props')).body)).toMatchObject({ total_slots: 6 });
    });
  });

  it('refuses an unknown model with 404, bad JSON with 400, an unknown path with 404, all in OpenAI error shape', async () => {
    const s = await sim();
    await withAgent(async (agent) => {
      const unknownModel = await request(agent, s.url, 'POST', '/v1/chat/completions', chat({ model: 'gpt-9' }));
      expect(unknownModel.status).toBe(404);
      expect(JSON.parse(unknownModel.body)).toEqual({ error: expect.objectContaining({ code: 'model_not_found', type: 'invalid_request_error', param: 'model' }) });

      const badJson = await request(agent, s.url, 'POST', '/v1/chat/completions', '{"model": "sim-model",');
      expect(badJson.status).toBe(400);
      expect(JSON.parse(badJson.body).error.message).toMatch(/could not parse the JSON body/);

      const stream = await request(agent, s.url, 'POST', '/v1/chat/completions', chat({ stream: true }));
      expect(stream.status).toBe(400);

      const unknownPath = await request(agent, s.url, 'POST', '/v1/images/generations', chat());
      expect(unknownPath.status).toBe(404);
      expect(JSON.parse(unknownPath.body).error).toBeDefined();
      expect((await request(agent, s.url, 'POST', '/constructor', chat())).status).toBe(404);

      const wrongMethod = await request(agent, s.url, 'GET', '/v1/chat/completions');
      expect(wrongMethod.status).toBe(405);
      expect(wrongMethod.headers.allow).toBe('POST');

      expect(JSON.parse((await request(agent, s.url, 'GET', '/v1/models/sim-model')).body)).toMatchObject({ id: 'sim-model', object: 'model' });
      expect((await request(agent, s.url, 'GET', '/v1/models/%E0%A4%A')).status).toBe(404);
    });
  });

  it('never processes more requests at once than it has slots, and queues the rest instead of refusing them', async () => {
    const s = await sim({ slots: 4, latencyMs: 20 });
    const replies = await withAgent((agent) =>
      Promise.all(Array.from({ length: 200 }, () => request(agent, s.url, 'POST', '/v1/chat/completions', chat()))));
    expect(replies.every((r) => r.status === 200)).toBe(true);
    const stats = s.stats();
    expect(stats.maxInFlight).toBe(4);
    expect(stats).toMatchObject({ requests: 200, completed: 200, inFlight: 0, queued: 0 });
  });

  it('takes at least the configured latency plus generation time', async () => {
    const s = await sim({ latencyMs: 120, tokensPerSecond: 100 });
    await withAgent(async (agent) => {
      const started = performance.now();
      const r = await request(agent, s.url, 'POST', '/v1/chat/completions', chat({ max_tokens: 10 }));
      expect(r.status).toBe(200);
      // 120 ms latency + 10 tokens at 100 tokens/s; a lower bound only (a busy machine is only ever slower).
      expect(performance.now() - started).toBeGreaterThanOrEqual(215);
    });
  });

  it('fails about errorRate of requests with 500 and rate-limits about rateLimitRate with 429 and Retry-After', async () => {
    const s = await sim({ errorRate: 0.2, rateLimitRate: 0.1, slots: 16 });
    const replies = await withAgent((agent) =>
      Promise.all(Array.from({ length: 1000 }, () => request(agent, s.url, 'POST', '/v1/chat/completions', chat()))));
    const count = (status: number) => replies.filter((r) => r.status === status).length;
    // Expected: 100 429s, then 20% of the other 900 = 180 500s; bounds are many standard deviations wide.
    expect(count(429)).toBeGreaterThan(50);
    expect(count(429)).toBeLessThan(160);
    expect(count(500)).toBeGreaterThan(110);
    expect(count(500)).toBeLessThan(260);
    expect(count(200) + count(429) + count(500)).toBe(1000);
    const limited = replies.find((r) => r.status === 429);
    expect(limited?.headers['retry-after']).toBe('1');
    expect(JSON.parse(limited?.body ?? '{}').error).toMatchObject({ code: 'rate_limit_exceeded' });
    expect(JSON.parse(replies.find((r) => r.status === 500)?.body ?? '{}').error).toMatchObject({ type: 'server_error' });
    expect(s.stats()).toMatchObject({ errors500: count(500), rateLimited429: count(429), completed: count(200) });
  });

  it('frees the slot of a client that disconnects', async () => {
    const s = await sim({ slots: 1, latencyMs: 60_000 });
    const u = new URL(s.url);
    const req = http.request({ host: u.hostname, port: u.port, path: '/v1/chat/completions', method: 'POST' });
    req.on('error', () => {});
    req.end(chat());
    await expect.poll(() => s.stats().inFlight).toBe(1);
    req.destroy();
    await expect.poll(() => s.stats().inFlight).toBe(0);
  });

  it('closes promptly with requests still waiting for a slot', async () => {
    const s = await sim({ slots: 1, latencyMs: 60_000 });
    const agent = new http.Agent({ keepAlive: true });
    const pending = Array.from({ length: 5 }, () => request(agent, s.url, 'POST', '/v1/chat/completions', chat()).catch(() => 'closed'));
    await expect.poll(() => s.stats().queued).toBe(4);
    await s.close();
    expect(await Promise.all(pending)).toEqual(Array(5).fill('closed'));
    agent.destroy();
  });
});
