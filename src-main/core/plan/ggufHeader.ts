/**
 * Reads the header of a GGUF file (metadata and tensor infos, not the tensor data) from its first bytes, as
 * ggml/src/gguf.cpp writes it, all little-endian:
 *   "GGUF", u32 version, u64 tensor count, u64 kv count,
 *   kv: string key, u32 value type, value (string = u64 length + UTF-8; array = u32 item type, u64 n, items),
 *   tensor info: string name, u32 n_dims, u64 ne[n_dims], u32 ggml type, u64 data offset.
 * The header's size is not known before it is read (a tokenizer's vocabulary alone can be 15 MB), so a buffer
 * that ends too early throws GgufTruncatedError, and the caller reads more and tries again.
 */

export type GgufScalar = number | boolean | string;
/** Arrays keep their length; their items only when numeric and short (per-layer head counts), not a vocabulary. */
export interface GgufArray { arrayLength: number; items: number[] | null }
export type GgufMetaValue = GgufScalar | GgufArray;

export interface GgufTensorInfo { name: string; dims: number[]; type: number; offset: number }

export interface GgufHeader {
  version: number;
  metadata: Map<string, GgufMetaValue>;
  tensors: GgufTensorInfo[];
  /** Where the tensor infos end (before the alignment padding). */
  headerBytes: number;
}

export class GgufTruncatedError extends Error {
  readonly readBytes: number;
  constructor(readBytes: number) {
    super(`the GGUF header goes on past the first ${readBytes} bytes`);
    this.readBytes = readBytes;
  }
}

const MAX_NUMERIC_ITEMS = 4096;
/** Sizes of the scalar value types 0..12 (gguf.cpp GGUF_TYPE_SIZE); 8 (string) and 9 (array) vary. */
const SCALAR_SIZE: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

class Cursor {
  pos = 0;
  private readonly buf: Buffer;
  private readonly source: string;
  constructor(buf: Buffer, source: string) {
    this.buf = buf;
    this.source = source;
  }
  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new GgufTruncatedError(this.buf.length);
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(what: string): number {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${this.source}: ${what} is ${v}, too large to be real; the file is not a valid GGUF`);
    return Number(v);
  }
  string(what: string): string {
    const len = this.u64(`the length of ${what}`);
    this.need(len);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
  scalar(type: number): number | boolean {
    const size = SCALAR_SIZE[type];
    if (size === undefined) throw new Error(`${this.source}: unknown GGUF value type ${type} at byte ${this.pos}; the file is not a valid GGUF`);
    this.need(size);
    const b = this.buf;
    const p = this.pos;
    this.pos += size;
    switch (type) {
      case 0: return b.readUInt8(p);
      case 1: return b.readInt8(p);
      case 2: return b.readUInt16LE(p);
      case 3: return b.readInt16LE(p);
      case 4: return b.readUInt32LE(p);
      case 5: return b.readInt32LE(p);
      case 6: return b.readFloatLE(p);
      case 7: return b.readUInt8(p) !== 0;
      case 10: return Number(b.readBigUInt64LE(p));
      case 11: return Number(b.readBigInt64LE(p));
      default: return b.readDoubleLE(p);
    }
  }
}

function readValue(c: Cursor, type: number, key: string): GgufMetaValue {
  if (type === 8) return c.string(key);
  if (type !== 9) return c.scalar(type);
  const itemType = c.u32();
  const n = c.u64(`the length of ${key}`);
  if (itemType === 8) {
    for (let i = 0; i < n; i++) c.string(key);
    return { arrayLength: n, items: null };
  }
  if (itemType === 9) throw new Error(`${key}: nested arrays are not part of GGUF; the file is not a valid GGUF`);
  const size = SCALAR_SIZE[itemType];
  if (size === undefined) throw new Error(`${key}: unknown GGUF array item type ${itemType}; the file is not a valid GGUF`);
  if (n > MAX_NUMERIC_ITEMS) {
    c.need(n * size);
    c.pos += n * size;
    return { arrayLength: n, items: null };
  }
  const items: number[] = [];
  for (let i = 0; i < n; i++) items.push(Number(c.scalar(itemType)));
  return { arrayLength: n, items };
}

export function parseGgufHeader(buf: Buffer, source: string): GgufHeader {
  const c = new Cursor(buf, source);
  c.need(4);
  if (buf.toString('latin1', 0, 4) !== 'GGUF') {
    throw new Error(`${source} is not a GGUF file (it does not start with "GGUF"); give the path of a .gguf model`);
  }
  c.pos = 4;
  const version = c.u32();
  if (version < 2 || version > 3) throw new Error(`${source} is GGUF version ${version}; Batchdeck reads versions 2 and 3 (convert it with a current llama.cpp)`);
  const tensorCount = c.u64('the tensor count');
  const kvCount = c.u64('the metadata count');
  const metadata = new Map<string, GgufMetaValue>();
  for (let i = 0; i < kvCount; i++) {
    const key = c.string('a metadata key');
    const type = c.u32();
    metadata.set(key, readValue(c, type, key));
  }
  const tensors: GgufTensorInfo[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = c.string('a tensor name');
    const nDims = c.u32();
    if (nDims > 8) throw new Error(`${source}: tensor ${name} has ${nDims} dimensions (ggml has at most 4); the file is not a valid GGUF`);
    const dims: number[] = [];
    for (let d = 0; d < nDims; d++) dims.push(c.u64(`a dimension of ${name}`));
    const type = c.u32();
    const offset = c.u64(`the offset of ${name}`);
    tensors.push({ name, dims, type, offset });
  }
  return { version, metadata, tensors, headerBytes: c.pos };
}
