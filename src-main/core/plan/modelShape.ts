import type { ModelShape } from '../../../shared/plan.ts';
import type { GgufHeader, GgufMetaValue } from './ggufHeader.ts';
import { tensorBytes } from './ggmlTypes.ts';

/** A model's shape as llama.cpp's load_hparams reads it, plus what the KV cache needs per layer. */
export interface ModelFacts {
  shape: ModelShape;
  weightsBytes: number;
  /** Per layer: K and V elements per cell (n_embd_k_gqa(il), n_embd_v_gqa(il) in llama-hparams.cpp). */
  kvPerLayer: { k: number; v: number }[];
}

function num(v: GgufMetaValue | undefined): number | null {
  return typeof v === 'number' ? v : null;
}

/** A per-layer hyperparameter: a scalar for every layer, or an array with one value per layer. */
function perLayer(v: GgufMetaValue | undefined, layers: number, fallback: number): number[] {
  if (typeof v === 'number') return Array.from({ length: layers }, () => v);
  if (v && typeof v === 'object' && v.items) return Array.from({ length: layers }, (_, i) => v.items![i] ?? fallback);
  return Array.from({ length: layers }, () => fallback);
}

export function modelFacts(header: GgufHeader, source: string): ModelFacts {
  const md = header.metadata;
  const arch = md.get('general.architecture');
  if (typeof arch !== 'string') throw new Error(`${source} has no general.architecture: it is not a llama.cpp model`);
  const key = (k: string) => md.get(`${arch}.${k}`);
  const layers = num(key('block_count'));
  const embedding = num(key('embedding_length'));
  if (layers === null || embedding === null) {
    throw new Error(`${source} (${arch}) has no ${arch}.block_count or ${arch}.embedding_length: it holds no model (a vocabulary-only file?)`);
  }
  const headsArr = perLayer(key('attention.head_count'), layers, 0);
  const heads = Math.max(0, ...headsArr);
  const headsKvArr = perLayer(key('attention.head_count_kv'), layers, Number.NaN).map((h, i) => (Number.isNaN(h) ? headsArr[i]! : h));
  // llama_model_base::load_hparams: n_embd_head_k defaults to n_embd / n_head (0 heads: an attention-free model).
  const headDim = heads > 0 ? Math.floor(embedding / heads) : 0;
  const keyLength = num(key('attention.key_length')) ?? headDim;
  const valueLength = num(key('attention.value_length')) ?? headDim;
  const tokens = md.get('tokenizer.ggml.tokens');
  const vocab = num(key('vocab_size')) ?? (tokens && typeof tokens === 'object' ? tokens.arrayLength : 0);
  let weightsBytes = 0;
  for (const t of header.tensors) weightsBytes += tensorBytes(t.type, t.dims, t.name);
  return {
    shape: {
      architecture: arch,
      layers,
      contextTrain: num(key('context_length')),
      embedding,
      heads,
      headsKv: Math.max(0, ...headsKvArr),
      keyLength,
      valueLength,
      vocab,
      tensors: header.tensors.length,
    },
    weightsBytes,
    kvPerLayer: headsKvArr.map((h) => ({ k: h * keyLength, v: h * valueLength })),
  };
}
