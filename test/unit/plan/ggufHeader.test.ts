import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tensorBytes } from '../../../src-main/core/plan/ggmlTypes.ts';
import { readLocalModelHeader } from '../../../src-main/core/plan/modelHeaderSource.ts';
import { modelFacts } from '../../../src-main/core/plan/modelShape.ts';
import { readGgufHeader } from '../../support/gguf/ggufReader.ts';
import { TINY_LLAMA, writeTinyLlamaGguf } from '../../support/gguf/tinyLlamaModel.ts';
import { findLlamaBinaries, llamaUnavailableReason, type LlamaBinaries } from '../../support/llamaBinaries.ts';
import { syntheticGgufBytes } from './syntheticGguf.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchdeck-gguf-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const unavailable = llamaUnavailableReason();

describe.skipIf(unavailable !== null)('the GGUF header of real llama.cpp files', () => {
  const llama = findLlamaBinaries() as LlamaBinaries;

  it('reads llama.cpp\'s own vocabulary GGUF: the 32000-token SPM tokenizer and the llama shape, with no tensors', async () => {
    const header = await readLocalModelHeader(llama.vocabSpm);
    expect(header.version).toBe(3);
    expect(header.metadata.get('general.architecture')).toBe('llama');
    expect(header.metadata.get('tokenizer.ggml.tokens')).toEqual({ arrayLength: 32000, items: null });
    expect(header.tensors).toEqual([]);
    const facts = modelFacts(header, llama.vocabSpm);
    expect(facts.shape).toMatchObject({ architecture: 'llama', layers: 32, heads: 32, headsKv: 32, embedding: 4096, vocab: 32000 });
    expect(facts.weightsBytes).toBe(0);
  });

  it('sums the tiny model\'s tensors to exactly the data section llama-server maps, and finds every tensor the writer wrote', async () => {
    const file = path.join(dir, 'tiny.gguf');
    writeTinyLlamaGguf(file, { seed: 3, vocabPath: llama.vocabSpm });
    const header = await readLocalModelHeader(file);
    const facts = modelFacts(header, file);
    const dataStart = Math.ceil(header.headerBytes / 32) * 32;
    expect(facts.weightsBytes).toBe(fs.statSync(file).size - dataStart);
    expect(header.tensors.map((t) => t.name)).toEqual(readGgufHeader(file).tensors.map((t) => t.name));
    expect(facts.shape).toMatchObject({ layers: TINY_LLAMA.nLayer, embedding: TINY_LLAMA.nEmbd, heads: TINY_LLAMA.nHead, keyLength: 16, contextTrain: TINY_LLAMA.contextLength });
    // llama-server prints "CPU_Mapped model buffer size = 16.13 MiB" for this model.
    expect((facts.weightsBytes / 1024 / 1024).toFixed(2)).toBe('16.13');
  });
});

describe('the GGUF header reader', () => {
  it('reads a header larger than its first 4 MB read (a 400k-token vocabulary) in growing pieces', async () => {
    const file = path.join(dir, 'big-vocab.gguf');
    const tokens = Array.from({ length: 400_000 }, (_, i) => `token-number-${i}`);
    const withVocab = syntheticGgufBytes({ layers: 2, embedding: 64, heads: 4, headsKv: 4, contextLength: 2048, vocab: 400_000, tokens, tensors: [{ name: 'output_norm.weight', dims: [64], type: 0 }] });
    fs.writeFileSync(file, Buffer.concat([withVocab, Buffer.alloc(32 + 256)]));
    expect(withVocab.length).toBeGreaterThan(4 * 1024 * 1024);

    const header = await readLocalModelHeader(file);
    expect(header.metadata.get('tokenizer.ggml.tokens')).toEqual({ arrayLength: 400_000, items: null });
    expect(header.tensors).toEqual([{ name: 'output_norm.weight', dims: [64], type: 0, offset: 0 }]);

    fs.writeFileSync(file, withVocab.subarray(0, 5 * 1024 * 1024));
    await expect(readLocalModelHeader(file)).rejects.toThrow(/ends inside its GGUF header .*truncated/);
  });

  it('refuses a file that is not GGUF, naming the file', async () => {
    const file = path.join(dir, 'not-a-model.bin');
    fs.writeFileSync(file, 'PK\x03\x04 this is a zip');
    await expect(readLocalModelHeader(file)).rejects.toThrow(`${file} is not a GGUF file`);
    await expect(readLocalModelHeader(path.join(dir, 'missing.gguf'))).rejects.toThrow(/does not exist on this machine/);
  });

  it('sizes quantized tensors by whole blocks, as ggml-common.h defines them', () => {
    // Q4_K: 256 elements in 144 bytes; Q6_K: 210; Q8_0: 32 in 34; IQ4_XS: 256 in 136; MXFP4: 32 in 17; BF16: 2 per element.
    expect(tensorBytes(12, [4096, 4096], 'q4k')).toBe((4096 / 256) * 144 * 4096);
    expect(tensorBytes(14, [4096, 11008], 'q6k')).toBe((4096 / 256) * 210 * 11008);
    expect(tensorBytes(8, [4096, 32000], 'q8')).toBe((4096 / 32) * 34 * 32000);
    expect(tensorBytes(23, [5120, 3], 'iq4xs')).toBe((5120 / 256) * 136 * 3);
    expect(tensorBytes(39, [2880, 2], 'mxfp4')).toBe((2880 / 32) * 17 * 2);
    expect(tensorBytes(30, [7, 3], 'bf16')).toBe(42);
    expect(() => tensorBytes(12, [100, 2], 'blk.0.attn_q.weight')).toThrow(/blk.0.attn_q.weight: 100 elements per row is not a whole number of Q4_K blocks/);
    expect(() => tensorBytes(31, [32], 'old')).toThrow(/ggml type 31, which this version of Batchdeck does not know/);
  });
});
