import fs from 'node:fs';

/**
 * A GGUF header with no tensor data: the metadata and tensor infos of a model of any size and any ggml type
 * (quantized ones included), in a few kilobytes. The fit plan reads only headers, so it sees a real model;
 * llama-server could not load it. Written here (not with the test writer of test/support/gguf, which writes
 * F32/F16 data) because a 40 GB model's data is exactly what these tests must not need.
 */
export interface SyntheticTensor { name: string; dims: number[]; type: number }

export interface SyntheticModel {
  arch?: string;
  layers: number;
  embedding: number;
  heads: number;
  headsKv: number;
  contextLength: number;
  vocab: number;
  tensors: SyntheticTensor[];
  /** tokenizer.ggml.tokens, for a header as large as a real vocabulary makes it. */
  tokens?: string[];
}

function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(b.length));
  return Buffer.concat([len, b]);
}
const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
const u64 = (v: number) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); return b; };

export function syntheticGgufBytes(m: SyntheticModel): Buffer {
  const arch = m.arch ?? 'llama';
  const kvs: Buffer[] = [
    Buffer.concat([str('general.architecture'), u32(8), str(arch)]),
    Buffer.concat([str(`${arch}.block_count`), u32(4), u32(m.layers)]),
    Buffer.concat([str(`${arch}.embedding_length`), u32(4), u32(m.embedding)]),
    Buffer.concat([str(`${arch}.attention.head_count`), u32(4), u32(m.heads)]),
    Buffer.concat([str(`${arch}.attention.head_count_kv`), u32(4), u32(m.headsKv)]),
    Buffer.concat([str(`${arch}.context_length`), u32(4), u32(m.contextLength)]),
    Buffer.concat([str(`${arch}.vocab_size`), u32(4), u32(m.vocab)]),
  ];
  if (m.tokens) kvs.push(Buffer.concat([str('tokenizer.ggml.tokens'), u32(9), u32(8), u64(m.tokens.length), ...m.tokens.map(str)]));
  const infos = m.tensors.map((t) => Buffer.concat([str(t.name), u32(t.dims.length), ...t.dims.map(u64), u32(t.type), u64(0)]));
  return Buffer.concat([Buffer.from('GGUF', 'latin1'), u32(3), u64(m.tensors.length), u64(kvs.length), ...kvs, ...infos]);
}

/** A llama-shaped model whose every matrix is of `type` (e.g. 12 = Q4_K): layers x 4 attention + 3 FFN matrices. */
export function llamaShapedTensors(o: { layers: number; embedding: number; ff: number; vocab: number; headsKv: number; heads: number; type: number }): SyntheticTensor[] {
  const kvDim = (o.embedding / o.heads) * o.headsKv;
  const t: SyntheticTensor[] = [
    { name: 'token_embd.weight', dims: [o.embedding, o.vocab], type: o.type },
    { name: 'output_norm.weight', dims: [o.embedding], type: 0 },
    { name: 'output.weight', dims: [o.embedding, o.vocab], type: o.type },
  ];
  for (let i = 0; i < o.layers; i++) {
    t.push(
      { name: `blk.${i}.attn_norm.weight`, dims: [o.embedding], type: 0 },
      { name: `blk.${i}.attn_q.weight`, dims: [o.embedding, o.embedding], type: o.type },
      { name: `blk.${i}.attn_k.weight`, dims: [o.embedding, kvDim], type: o.type },
      { name: `blk.${i}.attn_v.weight`, dims: [o.embedding, kvDim], type: o.type },
      { name: `blk.${i}.attn_output.weight`, dims: [o.embedding, o.embedding], type: o.type },
      { name: `blk.${i}.ffn_norm.weight`, dims: [o.embedding], type: 0 },
      { name: `blk.${i}.ffn_gate.weight`, dims: [o.embedding, o.ff], type: o.type },
      { name: `blk.${i}.ffn_up.weight`, dims: [o.embedding, o.ff], type: o.type },
      { name: `blk.${i}.ffn_down.weight`, dims: [o.ff, o.embedding], type: o.type },
    );
  }
  return t;
}

/** Llama-2-70B's shape at Q4_K: about 38 GiB of weights, in a header of a few KB. */
export function writeLargeSyntheticModel(file: string): void {
  const shape = { layers: 80, embedding: 8192, heads: 64, headsKv: 8, ff: 28672, vocab: 32000 };
  fs.writeFileSync(file, syntheticGgufBytes({ ...shape, contextLength: 4096, tensors: llamaShapedTensors({ ...shape, type: 12 }) }));
}
