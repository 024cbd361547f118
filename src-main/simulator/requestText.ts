/**
 * What a request asks the model to read, for token counts and deterministic replies. Handles the shapes the
 * OpenAI API accepts: chat content as a string or as parts, prompts and embedding inputs as strings, arrays
 * of strings, or token arrays.
 */
export function chatInputText(messages: unknown): string {
  if (!Array.isArray(messages)) return '';
  let text = '';
  for (const m of messages) {
    if (typeof m !== 'object' || m === null) continue;
    const content = (m as { content?: unknown }).content;
    if (typeof content === 'string') text += content;
    else if (Array.isArray(content)) {
      for (const part of content) {
        const t = (part as { text?: unknown } | null)?.text;
        if (typeof t === 'string') text += t;
      }
    }
  }
  return text;
}

/** A /v1/responses `input`: a string, or input items (messages whose content is a string or input_text parts). */
export function responsesInputText(input: unknown): string {
  if (typeof input === 'string') return input;
  if (!Array.isArray(input)) return '';
  let text = '';
  for (const item of input) {
    if (typeof item === 'string') text += item;
    else if (typeof item === 'object' && item !== null) text += chatInputText([item]);
  }
  return text;
}

/** Prompt or embedding input: its text (for the reply's hash) and its token count (token arrays exactly). */
export function inputText(input: unknown): { text: string; tokens: number } {
  if (typeof input === 'string') return { text: input, tokens: estimateTokens(input) };
  if (!Array.isArray(input) || input.length === 0) return { text: '', tokens: 1 };
  if (input.every((x) => typeof x === 'number')) return { text: input.join(' '), tokens: input.length };
  let text = '';
  let tokens = 0;
  for (const x of input) {
    if (typeof x === 'string') { text += x; tokens += estimateTokens(x); }
    else if (Array.isArray(x)) { text += x.join(' '); tokens += x.length; }
  }
  return { text, tokens: Math.max(1, tokens) };
}

/** The usual rough rule: about four characters per token, at least one. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** Each requested input separately, for embeddings (one vector per string). */
export function embeddingInputs(input: unknown): string[] {
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input)) return [];
  if (input.length > 0 && input.every((x) => typeof x === 'number')) return [input.join(' ')];
  return input.map((x) => (typeof x === 'string' ? x : Array.isArray(x) ? x.join(' ') : String(x)));
}
