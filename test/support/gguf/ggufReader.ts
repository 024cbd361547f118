import fs from 'node:fs';
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GgufType, type GgufScalarType, type GgufTensorInfo, type GgufValue } from './ggufFormat.ts';

/**
 * Reads the header of a GGUF v2/v3 file: every metadata key with its typed value (arrays included) and the
 * tensor table. Tensor data is not read. Enough to take the tokenizer out of llama.cpp's vocab files and to
 * check what our writer produced.
 *
 *   const { kv, tensors } = readGgufHeader('models/ggml-vocab-llama-spm.gguf');
 *   kv.get('tokenizer.ggml.tokens')  // { type: ARRAY, itemType: STRING, items: [...32000] }
 */

export interface GgufHeader {
  version: number;
  kv: Map<string, GgufValue>;
  tensors: GgufTensorInfo[];
  alignment: number;
  /** Absolute file offset where tensor data begins. */
  dataOffset: number;
}

class Cursor {
  pos = 0;
  private readonly buf: Buffer;
  private readonly file: string;
  constructor(buf: Buffer, file: string) {
    this.buf = buf;
    this.file = file;
  }
  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Error(`${this.file}: GGUF header is truncated at byte ${this.pos} (wanted ${n} more bytes)`);
  }
  u8(): number { this.need(1); return this.buf.readUInt8(this.pos++); }
  i8(): number { this.need(1); return this.buf.readInt8(this.pos++); }
  u16(): number { this.need(2); const v = this.buf.readUInt16LE(this.pos); this.pos += 2; return v; }
  i16(): number { this.need(2); const v = this.buf.readInt16LE(this.pos); this.pos += 2; return v; }
  u32(): number { this.need(4); const v = this.buf.readUInt32LE(this.pos); this.pos += 4; return v; }
  i32(): number { this.need(4); const v = this.buf.readInt32LE(this.pos); this.pos += 4; return v; }
  f32(): number { this.need(4); const v = this.buf.readFloatLE(this.pos); this.pos += 4; return v; }
  f64(): number { this.need(8); const v = this.buf.readDoubleLE(this.pos); this.pos += 8; return v; }
  u64(): bigint { this.need(8); const v = this.buf.readBigUInt64LE(this.pos); this.pos += 8; return v; }
  i64(): bigint { this.need(8); const v = this.buf.readBigInt64LE(this.pos); this.pos += 8; return v; }
  count(): number {
    const v = this.u64();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${this.file}: implausible count ${v} at byte ${this.pos - 8}`);
    return Number(v);
  }
  string(): string {
    const n = this.count();
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
}

function readScalar(c: Cursor, type: number, file: string): number | bigint | boolean | string {
  switch (type) {
    case GgufType.UINT8: return c.u8();
    case GgufType.INT8: return c.i8();
    case GgufType.UINT16: return c.u16();
    case GgufType.INT16: return c.i16();
    case GgufType.UINT32: return c.u32();
    case GgufType.INT32: return c.i32();
    case GgufType.FLOAT32: return c.f32();
    case GgufType.BOOL: return c.u8() !== 0;
    case GgufType.STRING: return c.string();
    case GgufType.UINT64: return c.u64();
    case GgufType.INT64: return c.i64();
    case GgufType.FLOAT64: return c.f64();
    default: throw new Error(`${file}: unknown GGUF value type ${type} at byte ${c.pos}`);
  }
}

function readValue(c: Cursor, type: number, file: string): GgufValue {
  if (type !== GgufType.ARRAY) return { type: type as GgufScalarType, value: readScalar(c, type, file) };
  const itemType = c.u32();
  if (itemType === GgufType.ARRAY) throw new Error(`${file}: nested GGUF arrays are not supported`);
  const n = c.count();
  const items: (number | bigint | boolean | string)[] = new Array(n);
  for (let i = 0; i < n; i++) items[i] = readScalar(c, itemType, file);
  return { type: GgufType.ARRAY, itemType: itemType as GgufScalarType, items };
}

/** Reads the whole file into memory: fine for vocab files and the tiny test model, not for real models. */
export function readGgufHeader(file: string): GgufHeader {
  const buf = fs.readFileSync(file);
  const c = new Cursor(buf, file);
  c.need(4);
  const magic = buf.toString('latin1', 0, 4);
  c.pos = 4;
  if (magic !== GGUF_MAGIC) throw new Error(`${file} is not a GGUF file (starts with ${JSON.stringify(magic)})`);
  const version = c.u32();
  if (version < 2 || version > 3) throw new Error(`${file}: GGUF version ${version} is not supported (2 or 3 are)`);
  const nTensors = c.count();
  const nKv = c.count();
  const kv = new Map<string, GgufValue>();
  for (let i = 0; i < nKv; i++) {
    const key = c.string();
    kv.set(key, readValue(c, c.u32(), file));
  }
  const tensors: GgufTensorInfo[] = [];
  for (let i = 0; i < nTensors; i++) {
    const name = c.string();
    const nDims = c.u32();
    const dims: number[] = [];
    for (let d = 0; d < nDims; d++) dims.push(c.count());
    tensors.push({ name, dims, type: c.u32(), offset: c.u64() });
  }
  const alignValue = kv.get('general.alignment');
  const alignment = alignValue && alignValue.type !== GgufType.ARRAY ? Number(alignValue.value) : GGUF_DEFAULT_ALIGNMENT;
  const dataOffset = Math.ceil(c.pos / alignment) * alignment;
  return { version, kv, tensors, alignment, dataOffset };
}
