/**
 * The GGUF v3 file format as llama.cpp reads it (ggml/src/gguf.cpp, gguf-py/gguf/constants.py):
 *   "GGUF" u32 version, u64 tensor count, u64 kv count,
 *   kv: string key, u32 value type, value   (string = u64 byte length + UTF-8 bytes; array = u32 item type, u64 n, items)
 *   tensor info: string name, u32 n_dims, u64 ne[n_dims] (ne[0] is the contiguous axis), u32 ggml type, u64 offset
 *   zero padding to general.alignment (default 32), then the tensor data, each tensor aligned too.
 * All numbers little-endian.
 */

export const GGUF_MAGIC = 'GGUF';
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

export const GgufType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;
export type GgufScalarType = Exclude<(typeof GgufType)[keyof typeof GgufType], typeof GgufType.ARRAY>;

/** A metadata value with its wire type kept, so a value read from one file is written back unchanged. */
export type GgufValue =
  | { type: GgufScalarType; value: number | bigint | boolean | string }
  | { type: typeof GgufType.ARRAY; itemType: GgufScalarType; items: (number | bigint | boolean | string)[] };

/** ggml tensor element types this code can write (ggml.h: GGML_TYPE_F32 = 0, GGML_TYPE_F16 = 1). */
export const GgmlType = { F32: 0, F16: 1 } as const;
export type GgmlTensorType = (typeof GgmlType)[keyof typeof GgmlType];
export const GGML_TYPE_SIZE: Record<GgmlTensorType, number> = { 0: 4, 1: 2 };

export interface GgufTensorInfo {
  name: string;
  /** ne[0] first: the axis that is contiguous in memory (llama.cpp's {n_embd, n_vocab} order). */
  dims: number[];
  type: number;
  /** Byte offset from the start of the data section. */
  offset: bigint;
}

export const u32 = (value: number): GgufValue => ({ type: GgufType.UINT32, value });
export const f32 = (value: number): GgufValue => ({ type: GgufType.FLOAT32, value });
export const str = (value: string): GgufValue => ({ type: GgufType.STRING, value });
