/**
 * Writers of OpenAI Batch JSONL files for tests and benchmarks: good files of any size, and the bad corpus,
 * one file per way a batch file can be wrong, each with the errors ingest must report.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Endpoint } from '../../shared/batch.ts';

export interface GoodRequestOptions {
  model?: string;
  endpoint?: Endpoint;
  /** custom_id is `${idPrefix}${i + 1}` (default "req-"). */
  idPrefix?: string;
  maxTokens?: number;
}

export interface GoodFileOptions extends GoodRequestOptions {
  count: number;
  /** Start with a UTF-8 byte order mark. */
  bom?: boolean;
  /** End lines with CRLF instead of LF. */
  crlf?: boolean;
  /** Put a blank line after every n-th request (0 = none). */
  blankLineEvery?: number;
  /** End the file with a line terminator (default true). */
  trailingNewline?: boolean;
}

export const DEFAULT_TEST_MODEL = 'sim-model';

/** The i-th (0-based) request of a good file, as an object. */
export function goodRequest(i: number, opts: GoodRequestOptions = {}): Record<string, unknown> {
  const model = opts.model ?? DEFAULT_TEST_MODEL;
  const endpoint = opts.endpoint ?? '/v1/chat/completions';
  const customId = `${opts.idPrefix ?? 'req-'}${i + 1}`;
  const maxTokens = opts.maxTokens ?? 32;
  let body: Record<string, unknown>;
  if (endpoint === '/v1/embeddings') body = { model, input: `Document ${i + 1}: the quick brown fox jumps over the lazy dog.` };
  else if (endpoint === '/v1/completions') body = { model, prompt: `Question ${i + 1}: what is ${i} plus ${i + 1}? Answer:`, max_tokens: maxTokens };
  else {
    body = {
      model,
      messages: [
        { role: 'system', content: 'You are a concise assistant.' },
        { role: 'user', content: `Question ${i + 1}: summarise the plot of story number ${i} in one sentence.` },
      ],
      max_tokens: maxTokens,
      temperature: 0,
    };
  }
  return { custom_id: customId, method: 'POST', url: endpoint, body };
}

export function goodRequestLine(i: number, opts: GoodRequestOptions = {}): string {
  return JSON.stringify(goodRequest(i, opts));
}

/** The whole text of a good file; for small files (tests). Big files: writeGoodBatchFile. */
export function goodBatchText(opts: GoodFileOptions): string {
  const eol = opts.crlf ? '\r\n' : '\n';
  const lines: string[] = [];
  for (let i = 0; i < opts.count; i++) {
    lines.push(goodRequestLine(i, opts));
    if (opts.blankLineEvery && (i + 1) % opts.blankLineEvery === 0 && i + 1 < opts.count) lines.push('');
  }
  return (opts.bom ? '\uFEFF' : '') + lines.join(eol) + (opts.trailingNewline === false ? '' : eol);
}

/** Writes a good file of any size in blocks (a million lines never sit in memory at once). Returns its size. */
export async function writeGoodBatchFile(file: string, opts: GoodFileOptions): Promise<{ file: string; bytes: number; count: number }> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const eol = opts.crlf ? '\r\n' : '\n';
  const handle = await fs.promises.open(file, 'w');
  let bytes = 0;
  try {
    if (opts.bom) bytes += (await handle.write('\uFEFF')).bytesWritten;
    const BLOCK = 10_000;
    for (let from = 0; from < opts.count; from += BLOCK) {
      const to = Math.min(opts.count, from + BLOCK);
      let text = '';
      for (let i = from; i < to; i++) {
        text += goodRequestLine(i, opts);
        if (i + 1 < opts.count || opts.trailingNewline !== false) text += eol;
        if (opts.blankLineEvery && (i + 1) % opts.blankLineEvery === 0 && i + 1 < opts.count) text += eol;
      }
      bytes += (await handle.write(text)).bytesWritten;
    }
  } finally {
    await handle.close();
  }
  return { file, bytes, count: opts.count };
}

/** One error ingest must report for a bad file (line null = a file-level error). */
export interface ExpectedError { line: number | null; code: string }

export interface BadCase {
  name: string;
  /** What is wrong, in words, for test names. */
  description: string;
  content: () => Buffer;
  expected: ExpectedError[];
}

const line = (i: number, patch: (req: Record<string, unknown>) => void = () => {}): string => {
  const req = goodRequest(i);
  patch(req);
  return JSON.stringify(req);
};
const body = (req: Record<string, unknown>): Record<string, unknown> => req.body as Record<string, unknown>;
const text = (lines: string[]): (() => Buffer) => () => Buffer.from(lines.join('\n') + '\n');

/** The bad corpus: every file here must be refused with exactly these errors, and nothing queued. */
export const BAD_CORPUS: readonly BadCase[] = [
  {
    name: 'invalid-json',
    description: 'a line that is not valid JSON (cut off mid-object)',
    content: text([line(0), line(1).slice(0, 40), line(2)]),
    expected: [{ line: 2, code: 'invalid_json_line' }],
  },
  {
    name: 'not-an-object',
    description: 'a line that is JSON but not an object',
    content: text([line(0), '[1, 2, 3]', line(2)]),
    expected: [{ line: 2, code: 'invalid_json_line' }],
  },
  {
    name: 'missing-custom-id',
    description: 'a request without custom_id',
    content: text([line(0), line(1), line(2, (r) => { delete r.custom_id; })]),
    expected: [{ line: 3, code: 'missing_custom_id' }],
  },
  {
    name: 'duplicate-custom-id',
    description: 'two requests with the same custom_id',
    content: text([line(0), line(1), line(2), line(3, (r) => { r.custom_id = 'req-2'; })]),
    expected: [{ line: 4, code: 'duplicate_custom_id' }],
  },
  {
    name: 'wrong-method',
    description: 'a GET request',
    content: text([line(0), line(1, (r) => { r.method = 'GET'; })]),
    expected: [{ line: 2, code: 'invalid_method' }],
  },
  {
    name: 'wrong-url',
    description: 'an unsupported endpoint',
    content: text([line(0), line(1), line(2, (r) => { r.url = '/v1/images/generations'; })]),
    expected: [{ line: 3, code: 'invalid_url' }],
  },
  {
    name: 'mixed-endpoints',
    description: 'two supported endpoints in one file',
    content: text([line(0), line(1, (r) => { r.url = '/v1/completions'; })]),
    expected: [{ line: 2, code: 'mismatched_endpoint' }],
  },
  {
    name: 'mixed-models',
    description: 'two models in one file',
    content: text([line(0), line(1), line(2, (r) => { body(r).model = 'other-model'; })]),
    expected: [{ line: 3, code: 'mismatched_model' }],
  },
  {
    name: 'missing-model',
    description: 'a body without model',
    content: text([line(0, (r) => { delete body(r).model; }), line(1)]),
    expected: [{ line: 1, code: 'missing_model' }],
  },
  {
    name: 'stream-true',
    description: 'a request with stream: true',
    content: text([line(0), line(1, (r) => { body(r).stream = true; })]),
    expected: [{ line: 2, code: 'stream_not_supported' }],
  },
  {
    name: 'body-not-object',
    description: 'a body that is a string',
    content: text([line(0), line(1, (r) => { r.body = 'hello'; })]),
    expected: [{ line: 2, code: 'invalid_body' }],
  },
  {
    name: 'empty-file',
    description: 'an empty file',
    content: () => Buffer.alloc(0),
    expected: [{ line: null, code: 'empty_file' }],
  },
  {
    name: 'only-blank-lines',
    description: 'a file of blank lines',
    content: () => Buffer.from('\n  \n\r\n\t\n'),
    expected: [{ line: null, code: 'empty_file' }],
  },
  {
    name: 'not-utf8',
    description: 'a Latin-1 line (not UTF-8)',
    content: () => Buffer.concat([
      Buffer.from(`${line(0)}\n`),
      Buffer.from(`${line(1, (r) => { body(r).messages = [{ role: 'user', content: 'Caf\u00e9 cr\u00e8me' }]; })}\n`, 'latin1'),
      Buffer.from(`${line(2)}\n`),
    ]),
    expected: [{ line: 2, code: 'invalid_encoding' }],
  },
  {
    name: 'utf16',
    description: 'a UTF-16 file',
    content: () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${line(0)}\n`, 'utf16le')]),
    expected: [{ line: 1, code: 'invalid_encoding' }],
  },
  {
    name: 'binary',
    description: 'a gzip archive instead of the JSONL text',
    content: () => zlib.gzipSync(Buffer.from(goodBatchText({ count: 50 }))),
    expected: [{ line: 1, code: 'binary_file' }],
  },
  {
    name: 'nul-in-third-line',
    description: 'a NUL byte in the middle of the file',
    content: () => Buffer.concat([Buffer.from(`${line(0)}\n${line(1)}\n{"custom_id":`), Buffer.from([0, 0, 0]), Buffer.from(`\n${line(3)}\n`)]),
    expected: [{ line: 3, code: 'binary_file' }],
  },
  {
    name: 'huge-line',
    description: 'a 20 MB line',
    content: () => Buffer.from([
      line(0),
      line(1, (r) => { body(r).messages = [{ role: 'user', content: 'x'.repeat(20 * 1024 * 1024) }]; }),
      line(2),
    ].join('\n') + '\n'),
    expected: [{ line: 2, code: 'line_too_large' }],
  },
  {
    name: 'three-bad-lines',
    description: 'three different bad lines among good ones',
    content: text([
      line(0), line(1, (r) => { r.method = 'PUT'; }), line(2), '', line(3, (r) => { body(r).stream = true; }),
      line(4), 'not json at all', line(6),
    ]),
    expected: [{ line: 2, code: 'invalid_method' }, { line: 5, code: 'stream_not_supported' }, { line: 7, code: 'invalid_json_line' }],
  },
];

/** Writes every case of BAD_CORPUS into dir as <name>.jsonl. */
export async function writeBadCorpus(dir: string): Promise<{ name: string; description: string; file: string; expected: ExpectedError[] }[]> {
  await fs.promises.mkdir(dir, { recursive: true });
  const out = [];
  for (const c of BAD_CORPUS) {
    const file = path.join(dir, `${c.name}.jsonl`);
    await fs.promises.writeFile(file, c.content());
    out.push({ name: c.name, description: c.description, file, expected: c.expected });
  }
  return out;
}
