import fs from 'node:fs';
import path from 'node:path';
import {
  GGML_TYPE_SIZE, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_VERSION, GgufType,
  type GgmlTensorType, type GgufScalarType, type GgufValue,
} from './ggufFormat.ts';

/**
 * Writes a GGUF v3 file: metadata in the given order, then the tensors, each aligned to general.alignment.
 * Tensor bytes come from `data()` one tensor at a time, so a file is never held in memory whole. The file is
 * written beside its destination and renamed into place, so a reader never sees half a model.
 *
 *   writeGguf('m.gguf', { kv: new Map([['general.architecture', str('llama')]]),
 *     tensors: [{ name: 'output_norm.weight', dims: [64], type: GgmlType.F32, data: () => buf }] });
 */

export interface GgufTensorToWrite {
  name: string;
  /** ne[0] first (the contiguous axis), as llama.cpp's create_tensor shapes are written. */
  dims: number[];
  type: GgmlTensorType;
  /** Exactly product(dims) * element size bytes. */
  data: () => Buffer;
}

export interface GgufFileSpec {
  kv: Map<string, GgufValue>;
  tensors: GgufTensorToWrite[];
}

class ByteSink {
  private readonly chunks: Buffer[] = [];
  length = 0;
  push(b: Buffer): void { this.chunks.push(b); this.length += b.length; }
  num(kind: 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64', v: number): void {
    const size = { u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, f64: 8 }[kind];
    const b = Buffer.alloc(size);
    if (kind === 'u8') b.writeUInt8(v);
    else if (kind === 'i8') b.writeInt8(v);
    else if (kind === 'u16') b.writeUInt16LE(v);
    else if (kind === 'i16') b.writeInt16LE(v);
    else if (kind === 'u32') b.writeUInt32LE(v);
    else if (kind === 'i32') b.writeInt32LE(v);
    else if (kind === 'f32') b.writeFloatLE(v);
    else b.writeDoubleLE(v);
    this.push(b);
  }
  u64(v: bigint | number): void { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); this.push(b); }
  i64(v: bigint | number): void { const b = Buffer.alloc(8); b.writeBigInt64LE(BigInt(v)); this.push(b); }
  string(s: string): void { const b = Buffer.from(s, 'utf8'); this.u64(b.length); this.push(b); }
  concat(): Buffer { return Buffer.concat(this.chunks, this.length); }
}

function writeScalar(sink: ByteSink, type: GgufScalarType, v: number | bigint | boolean | string, key: string): void {
  const bad = () => new Error(`GGUF key ${key}: value ${String(v)} does not fit type ${type}`);
  switch (type) {
    case GgufType.STRING: if (typeof v !== 'string') throw bad(); sink.string(v); return;
    case GgufType.BOOL: if (typeof v !== 'boolean') throw bad(); sink.num('u8', v ? 1 : 0); return;
    case GgufType.UINT64: sink.u64(v as bigint | number); return;
    case GgufType.INT64: sink.i64(v as bigint | number); return;
  }
  if (typeof v !== 'number') throw bad();
  switch (type) {
    case GgufType.UINT8: sink.num('u8', v); return;
    case GgufType.INT8: sink.num('i8', v); return;
    case GgufType.UINT16: sink.num('u16', v); return;
    case GgufType.INT16: sink.num('i16', v); return;
    case GgufType.UINT32: sink.num('u32', v); return;
    case GgufType.INT32: sink.num('i32', v); return;
    case GgufType.FLOAT32: sink.num('f32', v); return;
    case GgufType.FLOAT64: sink.num('f64', v); return;
  }
}

const align = (n: number, a: number) => Math.ceil(n / a) * a;

export function tensorByteSize(t: Pick<GgufTensorToWrite, 'dims' | 'type'>): number {
  return t.dims.reduce((a, b) => a * b, 1) * GGML_TYPE_SIZE[t.type];
}

export function writeGguf(outPath: string, spec: GgufFileSpec): void {
  const alignValue = spec.kv.get('general.alignment');
  const alignment = alignValue && alignValue.type !== GgufType.ARRAY ? Number(alignValue.value) : GGUF_DEFAULT_ALIGNMENT;

  const head = new ByteSink();
  head.push(Buffer.from(GGUF_MAGIC, 'latin1'));
  head.num('u32', GGUF_VERSION);
  head.u64(spec.tensors.length);
  head.u64(spec.kv.size);
  for (const [key, val] of spec.kv) {
    head.string(key);
    head.num('u32', val.type);
    if (val.type === GgufType.ARRAY) {
      head.num('u32', val.itemType);
      head.u64(val.items.length);
      for (const item of val.items) writeScalar(head, val.itemType, item, key);
    } else {
      writeScalar(head, val.type, val.value, key);
    }
  }
  let offset = 0;
  const offsets: number[] = [];
  for (const t of spec.tensors) {
    head.string(t.name);
    head.num('u32', t.dims.length);
    for (const d of t.dims) head.u64(d);
    head.num('u32', t.type);
    head.u64(offset);
    offsets.push(offset);
    offset = align(offset + tensorByteSize(t), alignment);
  }
  const header = head.concat();

  fs.mkdirSync(path.dirname(outPath), { recursive: true });
  const tmp = `${outPath}.${process.pid}.partial`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, header);
    const dataStart = align(header.length, alignment);
    for (let i = 0; i < spec.tensors.length; i++) {
      const t = spec.tensors[i]!;
      const bytes = t.data();
      if (bytes.length !== tensorByteSize(t)) {
        throw new Error(`tensor ${t.name}: data is ${bytes.length} bytes, its shape [${t.dims.join(', ')}] needs ${tensorByteSize(t)}`);
      }
      fs.writeSync(fd, bytes, 0, bytes.length, dataStart + offsets[i]!);
    }
    // Pad the last tensor so the file size is a multiple of the alignment, as gguf-py does.
    if (offset > 0) fs.ftruncateSync(fd, dataStart + offset);
    else fs.ftruncateSync(fd, dataStart);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, outPath);
}
