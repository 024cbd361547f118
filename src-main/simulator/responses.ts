import { hashText, seededRandom } from './random.ts';

/** OpenAI's error body shape: { error: { message, type, param, code } }. */
export function errorBody(message: string, type: string, code: string | null, param: string | null = null): string {
  return JSON.stringify({ error: { message, type, param, code } });
}

export interface Usage { prompt_tokens: number; completion_tokens: number; total_tokens: number }

const WORDS = [
  'the', 'model', 'simulated', 'answer', 'is', 'a', 'deterministic', 'reply', 'for', 'this', 'request', 'with',
  'tokens', 'counted', 'and', 'usage', 'reported', 'as', 'an', 'OpenAI', 'compatible', 'server', 'would', 'do',
  'batch', 'result', 'text', 'of', 'no', 'meaning', 'but', 'stable', 'shape',
];
/** Replies are cut here; usage still reports the requested completion tokens. */
const MAX_REPLY_WORDS = 2048;

/** A reply that depends only on the input: the same request always gets the same text. */
export function replyText(inputHash: number, completionTokens: number): string {
  const words = Math.min(completionTokens, MAX_REPLY_WORDS);
  let h = inputHash;
  let text = `Simulated reply ${inputHash.toString(16).padStart(8, '0')}:`;
  for (let i = 1; i < words; i++) {
    h = Math.imul(h ^ (h >>> 13), 0x5bd1e995) >>> 0;
    text += ' ' + WORDS[h % WORDS.length];
  }
  return text + '.';
}

export function chatCompletionBody(id: string, model: string, content: string, finishReason: string, usage: Usage): string {
  return JSON.stringify({
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    system_fingerprint: 'batchdeck-simulator',
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: finishReason }],
    usage,
  });
}

export function completionBody(id: string, model: string, text: string, finishReason: string, usage: Usage): string {
  return JSON.stringify({
    id,
    object: 'text_completion',
    created: Math.floor(Date.now() / 1000),
    model,
    system_fingerprint: 'batchdeck-simulator',
    choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason }],
    usage,
  });
}

/** A Responses API object (`object: "response"`), as OpenAI and llama-server answer POST /v1/responses. */
export function responseObjectBody(id: string, model: string, text: string, cut: boolean, usage: { input_tokens: number; output_tokens: number }): string {
  return JSON.stringify({
    id,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: cut ? 'incomplete' : 'completed',
    incomplete_details: cut ? { reason: 'max_output_tokens' } : null,
    error: null,
    model,
    output: [{
      type: 'message', id: `msg_${id.slice(5)}`, status: 'completed', role: 'assistant',
      content: [{ type: 'output_text', text, annotations: [] }],
    }],
    usage: {
      input_tokens: usage.input_tokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: usage.output_tokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: usage.input_tokens + usage.output_tokens,
    },
  });
}

/** A unit vector derived from the input text; base64 is little-endian float32, as the openai SDK decodes it. */
export function embeddingVector(text: string, dimensions: number, base64: boolean): number[] | string {
  const random = seededRandom(hashText(text));
  const v = new Float32Array(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    const x = random() * 2 - 1;
    v[i] = x;
    norm += x * x;
  }
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < dimensions; i++) v[i] = (v[i] ?? 0) / norm;
  if (base64) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  return Array.from(v, (x) => Math.round(x * 1e6) / 1e6);
}

export function embeddingsBody(model: string, vectors: (number[] | string)[], promptTokens: number): string {
  return JSON.stringify({
    object: 'list',
    data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  });
}

export function modelsBody(models: readonly string[], created: number): string {
  return JSON.stringify({
    object: 'list',
    data: models.map((id) => ({ id, object: 'model', created, owned_by: 'batchdeck-simulator' })),
  });
}
