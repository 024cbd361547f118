/**
 * Bytes per block and elements per block of every ggml tensor type a GGUF file can hold, from
 * ggml/include/ggml.h (the enum) and ggml/src/ggml-common.h (the block structs' static_asserts).
 * A tensor of n elements along its first axis takes n / blockElements * blockBytes bytes per row.
 */
interface GgmlTypeSize { name: string; blockElements: number; blockBytes: number }

const QK_K = 256;

export const GGML_TYPES: Readonly<Record<number, GgmlTypeSize>> = {
  0: { name: 'F32', blockElements: 1, blockBytes: 4 },
  1: { name: 'F16', blockElements: 1, blockBytes: 2 },
  2: { name: 'Q4_0', blockElements: 32, blockBytes: 2 + 16 },
  3: { name: 'Q4_1', blockElements: 32, blockBytes: 4 + 16 },
  6: { name: 'Q5_0', blockElements: 32, blockBytes: 2 + 4 + 16 },
  7: { name: 'Q5_1', blockElements: 32, blockBytes: 4 + 4 + 16 },
  8: { name: 'Q8_0', blockElements: 32, blockBytes: 2 + 32 },
  9: { name: 'Q8_1', blockElements: 32, blockBytes: 4 + 32 },
  10: { name: 'Q2_K', blockElements: QK_K, blockBytes: 4 + QK_K / 16 + QK_K / 4 },
  11: { name: 'Q3_K', blockElements: QK_K, blockBytes: 2 + QK_K / 4 + QK_K / 8 + 12 },
  12: { name: 'Q4_K', blockElements: QK_K, blockBytes: 4 + 12 + QK_K / 2 },
  13: { name: 'Q5_K', blockElements: QK_K, blockBytes: 4 + 12 + QK_K / 2 + QK_K / 8 },
  14: { name: 'Q6_K', blockElements: QK_K, blockBytes: 2 + QK_K / 16 + (3 * QK_K) / 4 },
  15: { name: 'Q8_K', blockElements: QK_K, blockBytes: 4 + QK_K + (QK_K / 16) * 2 },
  16: { name: 'IQ2_XXS', blockElements: QK_K, blockBytes: 2 + (QK_K / 8) * 2 },
  17: { name: 'IQ2_XS', blockElements: QK_K, blockBytes: 2 + (QK_K / 8) * 2 + QK_K / 32 },
  18: { name: 'IQ3_XXS', blockElements: QK_K, blockBytes: 2 + 3 * (QK_K / 8) },
  19: { name: 'IQ1_S', blockElements: QK_K, blockBytes: 2 + QK_K / 8 + QK_K / 16 },
  20: { name: 'IQ4_NL', blockElements: 32, blockBytes: 2 + 16 },
  21: { name: 'IQ3_S', blockElements: QK_K, blockBytes: 2 + 13 * (QK_K / 32) + QK_K / 64 },
  22: { name: 'IQ2_S', blockElements: QK_K, blockBytes: 2 + QK_K / 4 + QK_K / 16 },
  23: { name: 'IQ4_XS', blockElements: QK_K, blockBytes: 2 + 2 + QK_K / 64 + QK_K / 2 },
  24: { name: 'I8', blockElements: 1, blockBytes: 1 },
  25: { name: 'I16', blockElements: 1, blockBytes: 2 },
  26: { name: 'I32', blockElements: 1, blockBytes: 4 },
  27: { name: 'I64', blockElements: 1, blockBytes: 8 },
  28: { name: 'F64', blockElements: 1, blockBytes: 8 },
  29: { name: 'IQ1_M', blockElements: QK_K, blockBytes: QK_K / 8 + QK_K / 16 + QK_K / 32 },
  30: { name: 'BF16', blockElements: 1, blockBytes: 2 },
  34: { name: 'TQ1_0', blockElements: QK_K, blockBytes: 2 + QK_K / 64 + (QK_K - (4 * QK_K) / 64) / 5 },
  35: { name: 'TQ2_0', blockElements: QK_K, blockBytes: 2 + QK_K / 4 },
  39: { name: 'MXFP4', blockElements: 32, blockBytes: 1 + 16 },
  40: { name: 'NVFP4', blockElements: 64, blockBytes: 64 / 16 + 32 },
  41: { name: 'Q1_0', blockElements: 128, blockBytes: 2 + 128 / 8 },
  42: { name: 'Q2_0', blockElements: 64, blockBytes: 2 + 64 / 4 },
};

/** ggml_nbytes of a contiguous tensor: rows of ne[0] elements in whole blocks. */
export function tensorBytes(type: number, dims: readonly number[], tensorName: string): number {
  const t = GGML_TYPES[type];
  if (!t) throw new Error(`tensor ${tensorName} has ggml type ${type}, which this version of Batchdeck does not know; update Batchdeck or convert the model with a current llama.cpp`);
  const [ne0 = 1, ...rest] = dims;
  if (ne0 % t.blockElements !== 0) throw new Error(`tensor ${tensorName}: ${ne0} elements per row is not a whole number of ${t.name} blocks (${t.blockElements}); the GGUF file is damaged`);
  return (ne0 / t.blockElements) * t.blockBytes * rest.reduce((a, b) => a * b, 1);
}

/** Bytes per element of a KV cache type as llama-server's --cache-type-k/-v names it (f16 by default). */
export function kvCacheBytesPerElement(cacheType: string): number {
  const t = Object.values(GGML_TYPES).find((x) => x.name.toLowerCase() === cacheType.toLowerCase());
  if (!t) throw new Error(`unknown KV cache type ${cacheType}: use f16, bf16, f32, q8_0, q4_0, q4_1, iq4_nl, q5_0 or q5_1`);
  return t.blockBytes / t.blockElements;
}
