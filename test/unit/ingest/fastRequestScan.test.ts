import { describe, expect, it } from 'vitest';
import { RequestFields, scanRequestLine } from '../../../src-main/core/batches/ingest/fastRequestScan.ts';
import { goodRequestLine } from '../../support/batchFiles.ts';

interface Seen { customId: string; method: string; url: string; model: string; streamTrue: boolean }

/** What the fast scanner read from a line, decoded like the validator does; null when it declined the line. */
function scan(line: string): Seen | null {
  const buf = Buffer.from(line);
  const f = new RequestFields();
  if (!scanRequestLine(buf, 0, buf.length, f)) return null;
  const str = (s: number, e: number, escaped: boolean): string =>
    escaped ? (JSON.parse(buf.toString('utf8', s - 1, e + 1)) as string) : buf.toString('utf8', s, e);
  return {
    customId: str(f.customIdStart, f.customIdEnd, f.customIdEscaped),
    method: str(f.methodStart, f.methodEnd, f.methodEscaped),
    url: str(f.urlStart, f.urlEnd, f.urlEscaped),
    model: str(f.modelStart, f.modelEnd, f.modelEscaped),
    streamTrue: f.streamTrue,
  };
}

/** The same facts read with JSON.parse, or null when JSON.parse refuses the line or a field is not a string. */
function parse(line: string): Seen | null {
  let v: unknown;
  try { v = JSON.parse(line); } catch { return null; }
  const r = v as { custom_id?: unknown; method?: unknown; url?: unknown; body?: { model?: unknown; stream?: unknown } };
  if (typeof v !== 'object' || v === null || Array.isArray(v) || typeof r.body !== 'object' || r.body === null || Array.isArray(r.body)) return null;
  if (typeof r.custom_id !== 'string' || typeof r.method !== 'string' || typeof r.url !== 'string' || typeof r.body.model !== 'string') return null;
  return { customId: r.custom_id, method: r.method, url: r.url, model: r.body.model, streamTrue: r.body.stream === true };
}

const base = (body: string, rest = ''): string => `{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":${body}${rest}}`;

describe('fast request scan (the ingest fast path)', () => {
  it('reads the fields of an ordinary line exactly as JSON.parse does', () => {
    const line = goodRequestLine(41, { model: 'llama-3.1-8b-instruct' });
    expect(scan(line)).toEqual(parse(line));
    expect(scan(line)?.customId).toBe('req-42');
  });

  it.each([
    ['escaped strings', '{"custom_id":"a\\"b\\u00e9","method":"PO\\u0053T","url":"\\/v1\\/embeddings","body":{"model":"m\\n"}}'],
    ['unicode text', '{"custom_id":"日本語-1","method":"POST","url":"/v1/completions","body":{"model":"模型","prompt":"héllo 🙂"}}'],
    ['whitespace everywhere', ' \t{ "custom_id" : "a" ,\r "method":"POST", "url" :"/v1/completions" , "body" : { "model" : "m" } } \r'],
    ['stream true', base('{"model":"m","stream":true}')],
    ['stream false', base('{"model":"m","stream":false}')],
    ['a repeated key (the last one wins)', '{"custom_id":"a","custom_id":"b","method":"POST","url":"/v1/completions","body":{"model":"x","model":"y"}}'],
    ['a repeated body (its model is forgotten)', base('{"model":"m","stream":true}', ',"body":{"model":"n"}')],
    ['numbers of every form', base('{"model":"m","n":[0,-0,1,-12,3.25,1e5,1E-5,2.5e+10,-0.0]}')],
    ['literals and nesting', base('{"model":"m","x":[true,false,null,{},[],[[{"a":[1]}]]]}')],
    ['fields nested elsewhere are not the request fields', '{"meta":{"custom_id":"no","body":{"model":"no"}},"custom_id":"a","method":"POST","url":"/v1/completions","body":{"model":"m","messages":[{"model":"no"}]}}'],
  ])('agrees with JSON.parse on %s', (_name, line) => {
    expect(scan(line)).toEqual(parse(line));
  });

  it.each([
    ['cut off', base('{"model":"m"}').slice(0, -1)],
    ['trailing comma', base('{"model":"m",}')],
    ['trailing garbage', `${base('{"model":"m"}')}x`],
    ['two objects', `${base('{"model":"m"}')}${base('{"model":"m"}')}`],
    ['a raw tab in a string', base('{"model":"m\tx"}')],
    ['a bad escape', base('{"model":"m\\x"}')],
    ['a short \\u escape', base('{"model":"\\u12"}')],
    ['a leading zero', base('{"model":"m","n":01}')],
    ['a bare minus', base('{"model":"m","n":-}')],
    ['a dot without digits', base('{"model":"m","n":1.}')],
    ['an exponent without digits', base('{"model":"m","n":1e+}')],
    ['a misspelled literal', base('{"model":"m","n":tru}')],
    ['single quotes', "{'custom_id':'a'}"],
    ['a number as custom_id', '{"custom_id":7,"method":"POST","url":"/v1/completions","body":{"model":"m"}}'],
    ['a string body', '{"custom_id":"a","method":"POST","url":"/v1/completions","body":"m"}'],
    ['a missing model', base('{"prompt":"p"}')],
    ['a null model', base('{"model":null}')],
    ['an escaped key', '{"custom_\\u0069d":"a","method":"POST","url":"/v1/completions","body":{"model":"m"}}'],
    ['an array', '[1,2]'],
    ['deep nesting', base(`{"model":"m","x":${'['.repeat(5000)}${']'.repeat(5000)}}`)],
  ])('declines %s (JSON.parse and the full checks word the error)', (_name, line) => {
    expect(scan(line)).toBeNull();
  });

  it('never accepts a line JSON.parse refuses, and never reads a field differently (20,000 random mutations)', () => {
    let seed = 20240611;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const alphabet = ['{', '}', '[', ']', '"', '\\', ',', ':', ' ', '0', '1', '-', '.', 'e', 't', 'n', 'u', 'x', '\t', 'é'];
    const seeds = [
      goodRequestLine(0), goodRequestLine(1, { endpoint: '/v1/embeddings' }), goodRequestLine(2, { endpoint: '/v1/completions' }),
      '{"custom_id":"a\\"b","method":"POST","url":"/v1/completions","body":{"model":"m","stream":true,"n":[1.5e3,null,false]}}',
    ];
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      let line = seeds[random(seeds.length)] ?? '';
      for (let k = 1 + random(3); k > 0; k--) {
        const at = random(line.length + 1);
        const op = random(3);
        const ch = alphabet[random(alphabet.length)] ?? '';
        if (op === 0) line = line.slice(0, at) + line.slice(at + 1);
        else if (op === 1) line = line.slice(0, at) + ch + line.slice(at);
        else line = line.slice(0, at) + ch + line.slice(at + 1);
      }
      const fast = scan(line);
      if (fast === null) continue;
      accepted++;
      expect(parse(line), line).toEqual(fast);
    }
    expect(accepted).toBeGreaterThan(1000);
  });
});
