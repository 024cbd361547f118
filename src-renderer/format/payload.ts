/**
 * One-line summaries of OpenAI request and response bodies for table cells; the full JSON is shown when a
 * row is selected.
 */
type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function textOf(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part) => (isObject(part) && typeof part.text === 'string' ? part.text : '')).filter(Boolean).join(' ') || null;
  }
  return null;
}

export function summarizeRequest(request: unknown): string {
  const body = isObject(request) && isObject(request.body) ? request.body : request;
  if (!isObject(body)) return compactJson(request);
  if (Array.isArray(body.messages)) {
    const last = body.messages[body.messages.length - 1];
    if (isObject(last)) return textOf(last.content) ?? compactJson(last);
  }
  if (typeof body.prompt === 'string') return body.prompt;
  if (typeof body.input === 'string') return body.input;
  // A /v1/responses request's input items are messages: show the last one's text, as for chat.
  const lastItem = Array.isArray(body.input) ? body.input[body.input.length - 1] : undefined;
  if (isObject(lastItem) && 'content' in lastItem) return textOf(lastItem.content) ?? compactJson(lastItem);
  if (Array.isArray(body.input)) return `${body.input.length} inputs`;
  return compactJson(body);
}

export function summarizeResponse(response: unknown): string {
  const body = isObject(response) && isObject(response.body) ? response.body : response;
  if (body == null) return '';
  if (!isObject(body)) return compactJson(body);
  if (isObject(body.error) && typeof body.error.message === 'string') return body.error.message;
  if (Array.isArray(body.choices) && isObject(body.choices[0])) {
    const choice = body.choices[0];
    if (isObject(choice.message)) return textOf(choice.message.content) ?? compactJson(choice.message);
    if (typeof choice.text === 'string') return choice.text;
  }
  if (body.object === 'response' && Array.isArray(body.output)) {
    const text = body.output
      .map((item) => (isObject(item) && item.type === 'message' ? textOf(item.content) : null))
      .filter(Boolean).join(' ');
    return text || compactJson(body.output);
  }
  if (Array.isArray(body.data) && isObject(body.data[0]) && Array.isArray(body.data[0].embedding)) {
    return `embedding [${body.data[0].embedding.length}]`;
  }
  return compactJson(body);
}

export function compactJson(value: unknown, max = 300): string {
  if (value === undefined) return '';
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

export function prettyJson(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? '';
  } catch {
    return String(value);
  }
}
