import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GgmlType, GgufType } from '../../support/gguf/ggufFormat.ts';
import { readGgufHeader } from '../../support/gguf/ggufReader.ts';
import { TINY_LLAMA, writeTinyLlamaGguf } from '../../support/gguf/tinyLlamaModel.ts';
import { llamaUnavailableReason, requireLlamaBinaries } from '../../support/llamaBinaries.ts';
import { startRealLlamaServer, startRealRpcServer, stopAllRealLlama } from '../../support/llamaProcesses.ts';

/** The tiny random-weight GGUF our own writer makes, checked against the real llama.cpp that must load it. */

const unavailable = llamaUnavailableReason();
if (unavailable) console.warn(`skipping tiny-model tests: ${unavailable}`);

async function post(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe.skipIf(unavailable !== null)('the tiny test model, written by our GGUF writer', () => {
  let dir: string;
  let model: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchdeck-gguf-'));
    model = path.join(dir, 'tiny-seed7.gguf');
    writeTinyLlamaGguf(model, { seed: 7, vocabPath: requireLlamaBinaries().vocabSpm });
  });
  afterEach(async () => {
    await stopAllRealLlama();
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is the same file for the same seed and a different one for another seed', () => {
    const again = path.join(dir, 'again.gguf');
    const other = path.join(dir, 'other.gguf');
    writeTinyLlamaGguf(again, { seed: 7, vocabPath: requireLlamaBinaries().vocabSpm });
    writeTinyLlamaGguf(other, { seed: 8, vocabPath: requireLlamaBinaries().vocabSpm });
    expect(fs.readFileSync(again).equals(fs.readFileSync(model))).toBe(true);
    expect(fs.readFileSync(other).equals(fs.readFileSync(model))).toBe(false);
  });

  it('carries llama hyperparameters and the vocab file\'s tokenizer, as our reader reads them back', () => {
    const vocab = readGgufHeader(requireLlamaBinaries().vocabSpm);
    const ours = readGgufHeader(model);
    expect(ours.version).toBe(3);
    expect(ours.kv.get('general.architecture')).toEqual({ type: GgufType.STRING, value: 'llama' });
    expect(ours.kv.get('llama.embedding_length')).toEqual({ type: GgufType.UINT32, value: TINY_LLAMA.nEmbd });
    expect(ours.kv.get('llama.block_count')).toEqual({ type: GgufType.UINT32, value: TINY_LLAMA.nLayer });
    for (const [key, value] of vocab.kv) if (key.startsWith('tokenizer.')) expect(ours.kv.get(key), key).toEqual(value);
    const nVocab = (vocab.kv.get('tokenizer.ggml.tokens') as { items: unknown[] }).items.length;
    expect(ours.tensors.find((t) => t.name === 'token_embd.weight')?.dims).toEqual([TINY_LLAMA.nEmbd, nVocab]);
    expect(ours.tensors).toHaveLength(3 + 9 * TINY_LLAMA.nLayer);
    // Every tensor starts on the alignment and the file holds the last one whole.
    const last = ours.tensors.at(-1)!;
    for (const t of ours.tensors) expect(Number(t.offset) % ours.alignment).toBe(0);
    expect(fs.statSync(model).size).toBeGreaterThanOrEqual(ours.dataOffset + Number(last.offset) + last.dims.reduce((a, b) => a * b, 1) * 4);
  });

  it('loads in the real llama-server, which answers a chat completion and a text completion', async () => {
    const server = await startRealLlamaServer({ model });
    const chat = await post(`${server.baseUrl}/chat/completions`, { messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 });
    expect(chat.status).toBe(200);
    expect(chat.json.object).toBe('chat.completion');
    const text = await post(`${server.baseUrl}/completions`, { prompt: 'Once upon a time', max_tokens: 8 });
    expect(text.status).toBe(200);
    expect(text.json.object).toBe('text_completion');
    expect((text.json.usage as { completion_tokens: number }).completion_tokens).toBe(8);
  });

  it('has an F16 variant, half the size, that llama-server also loads and runs', async () => {
    const f16 = path.join(dir, 'tiny-f16.gguf');
    writeTinyLlamaGguf(f16, { seed: 7, vocabPath: requireLlamaBinaries().vocabSpm, tensorType: GgmlType.F16 });
    expect(fs.statSync(f16).size).toBeLessThan(fs.statSync(model).size * 0.6);
    const server = await startRealLlamaServer({ model: f16 });
    const text = await post(`${server.baseUrl}/completions`, { prompt: 'hi', max_tokens: 4 });
    expect(text.status).toBe(200);
  });

  it('loads across two real rpc-servers with every layer on them', async () => {
    const a = await startRealRpcServer({ ignoreSigpipe: true });
    const b = await startRealRpcServer({ ignoreSigpipe: true });
    // -lv 4: the load report (which device got which layers) is below the default verbosity.
    const server = await startRealLlamaServer({ model, rpcPorts: [a.port, b.port], extraArgs: ['-lv', '4'] });
    expect(server.log()).toMatch(/offloaded 3\/3 layers/);
    const chat = await post(`${server.baseUrl}/chat/completions`, { messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 });
    expect(chat.status).toBe(200);
  });
});
