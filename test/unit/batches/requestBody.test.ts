import { describe, expect, it } from 'vitest';
import { requestBody } from '../../../src-main/core/batches/requestBody.ts';

const asText = (b: Buffer | string): string => (typeof b === 'string' ? b : b.toString('utf8'));

function bodyOf(line: string, model: string | null): unknown {
  const buf = Buffer.from(`garbage before\n${line}\nafter`);
  const start = buf.indexOf(line);
  return JSON.parse(asText(requestBody(buf, start, start + Buffer.byteLength(line), model)));
}

describe('the body sent for a stored request line', () => {
  const line = '{"custom_id": "a-1", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "m\\u00e9", "messages": [{"role": "user", "content": "h\\"i ✓"}], "max_tokens": 1.5e1}}';

  it('is the line\'s body exactly as stored when the batch does not override the model', () => {
    const buf = Buffer.from(line);
    const sent = requestBody(buf, 0, buf.length, null);
    expect(asText(sent)).toBe('{"model": "m\\u00e9", "messages": [{"role": "user", "content": "h\\"i ✓"}], "max_tokens": 1.5e1}');
  });

  it('carries the batch\'s model instead of the file\'s, the rest unchanged', () => {
    expect(bodyOf(line, 'other "model"')).toEqual({ model: 'other "model"', messages: [{ role: 'user', content: 'h"i ✓' }], max_tokens: 15 });
  });

  it('replaces the model JSON.parse would keep when the body repeats the key', () => {
    const twice = '{"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "x", "model": "y", "n": 1}}';
    expect(bodyOf(twice, 'z')).toEqual({ model: 'z', n: 1 });
  });

  it('still sends a line the byte scanner does not vouch for (no body.model), overriding its model', () => {
    const noModel = '{"custom_id": "a", "method": "POST", "url": "/v1/embeddings", "body": {"input": "hello"}}';
    expect(bodyOf(noModel, null)).toEqual({ input: 'hello' });
    expect(bodyOf(noModel, 'emb')).toEqual({ input: 'hello', model: 'emb' });
  });

  it('is a copy: overwriting the read buffer afterwards does not change what is sent', () => {
    const buf = Buffer.from(line);
    const sent = requestBody(buf, 0, buf.length, null);
    buf.fill(0x20);
    expect(JSON.parse(asText(sent))).toMatchObject({ model: 'mé' });
  });
});
