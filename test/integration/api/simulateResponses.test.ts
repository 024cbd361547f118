import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulatorProcess, type Spawned } from '../../support/processes.ts';

describe('batchdeck simulate answers the Responses API', () => {
  let sim: Spawned;
  beforeAll(async () => {
    sim = await startSimulatorProcess(['--port', '0', '--latency-ms', '1', '--model', 'sim-model']);
  });
  afterAll(async () => {
    await sim?.kill();
  });

  const post = (body: unknown) => fetch(`${sim.url}/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('answers POST /v1/responses with object "response", output text and input/output token usage', async () => {
    const res = await post({ model: 'sim-model', input: [{ role: 'user', content: 'Tell me a story about a lighthouse.' }], max_output_tokens: 12 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { object: string; model: string; output: { type: string; content: { type: string; text: string }[] }[]; usage: Record<string, number> };
    expect(body).toMatchObject({ object: 'response', model: 'sim-model' });
    expect(body.output[0]).toMatchObject({ type: 'message', content: [{ type: 'output_text' }] });
    expect(body.output[0]!.content[0]!.text.length).toBeGreaterThan(0);
    expect(body.usage).toMatchObject({ input_tokens: 9, output_tokens: 12, total_tokens: 21 });
  });

  it('refuses a Responses request without input as OpenAI does (400, param input)', async () => {
    const res = await post({ model: 'sim-model' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe('input');
  });
});
