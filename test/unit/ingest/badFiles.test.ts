import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestFile } from '../../../src-main/core/batches/ingest/ingestFile.ts';
import { openDatabase, type Db } from '../../../src-main/core/store/database.ts';
import { goodRequestLine, writeBadCorpus } from '../../support/batchFiles.ts';

let dir: string;
let dbPath: string;
let db: Db;
let corpus: Awaited<ReturnType<typeof writeBadCorpus>>;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchdeck-ingest-bad-'));
  dbPath = path.join(dir, 'engine.sqlite');
  db = openDatabase(dbPath);
  corpus = await writeBadCorpus(path.join(dir, 'corpus'));
});

afterAll(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const rowsOf = (batchId: string): number =>
  db.prepare('SELECT count(*) FROM requests WHERE batch_id = ?').pluck().get(batchId) as number;

describe('ingest refuses bad batch files', () => {
  it('has a bad corpus to check', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(12);
  });

  it.each([
    'invalid-json', 'not-an-object', 'missing-custom-id', 'duplicate-custom-id', 'wrong-method', 'wrong-url',
    'mixed-endpoints', 'mixed-models', 'missing-model', 'stream-true', 'body-not-object', 'empty-file',
    'only-blank-lines', 'not-utf8', 'utf16', 'binary', 'nul-in-third-line', 'huge-line', 'three-bad-lines',
  ])('refuses %s with the right line numbers and codes, and queues nothing', async (name) => {
    const c = corpus.find((x) => x.name === name);
    expect(c, `corpus case ${name}`).toBeDefined();
    if (!c) return;
    const batchId = `batch-${name}`;
    const result = await ingestFile({ filePath: c.file, dbPath, batchId });
    expect(result.ok).toBe(false);
    expect(result.errors.map((e) => ({ line: e.line, code: e.code }))).toEqual(c.expected);
    for (const e of result.errors) {
      expect(e.message.length).toBeGreaterThan(10);
      if (e.line !== null) expect(e.message.startsWith(`line ${e.line}: `)).toBe(true);
    }
    expect(result.insertedRows).toBe(0);
    expect(rowsOf(batchId)).toBe(0);
  });

  it('points a duplicate custom_id at the line where it was first seen', async () => {
    const c = corpus.find((x) => x.name === 'duplicate-custom-id');
    const result = await ingestFile({ filePath: c?.file ?? '' });
    expect(result.errors[0]?.message).toBe('line 4: duplicate custom_id "req-2" (first seen on line 2)');
    expect(result.errors[0]?.param).toBe('custom_id');
  });

  it('names the offending field in param, as OpenAI does', async () => {
    const byName = async (name: string) => (await ingestFile({ filePath: corpus.find((x) => x.name === name)?.file ?? '' })).errors[0]?.param;
    expect(await byName('wrong-method')).toBe('method');
    expect(await byName('wrong-url')).toBe('url');
    expect(await byName('mixed-models')).toBe('body.model');
    expect(await byName('stream-true')).toBe('body.stream');
    expect(await byName('body-not-object')).toBe('body');
    expect(await byName('invalid-json')).toBeNull();
  });

  it('tells the operator how big a too-large line is and still checks the lines after it', async () => {
    const file = path.join(dir, 'huge-then-bad.jsonl');
    const huge = JSON.stringify({ custom_id: 'big', method: 'POST', url: '/v1/chat/completions', body: { model: 'sim-model', prompt: 'y'.repeat(3 * 1024 * 1024) } });
    fs.writeFileSync(file, `${goodRequestLine(0)}\n${huge}\n${goodRequestLine(0)}\n`);
    const result = await ingestFile({ filePath: file, maxLineBytes: 1024 * 1024 });
    expect(result.errors.map((e) => [e.line, e.code])).toEqual([[2, 'line_too_large'], [3, 'duplicate_custom_id']]);
    expect(result.errors[0]?.message).toBe('line 2: too large: 3.0 MiB, over the 1 MiB limit for one request line');
    expect(result.lineCount).toBe(3);
  });

  it('says where the first bad byte of a non-UTF-8 file is and how many lines are affected', async () => {
    const file = path.join(dir, 'latin1-many.jsonl');
    const lines = [0, 1, 2, 3].map((i) => goodRequestLine(i).replace('Question', i === 0 ? 'Question' : 'R\u00e9ponse'));
    fs.writeFileSync(file, Buffer.from(`${lines.join('\n')}\n`, 'latin1'));
    const result = await ingestFile({ filePath: file });
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ code: 'invalid_encoding', line: 2 });
    expect(result.errors[0]?.message).toMatch(/byte 0xE9 at byte \d+ of the line.*3 lines in the file are not valid UTF-8/);
  });

  it('refuses a request whose endpoint differs from the one the batch was created for', async () => {
    const file = path.join(dir, 'chat.jsonl');
    fs.writeFileSync(file, `${goodRequestLine(0)}\n${goodRequestLine(1)}\n`);
    const result = await ingestFile({ filePath: file, expectedEndpoint: '/v1/embeddings', dbPath, batchId: 'batch-expected' });
    expect(result.errors.map((e) => [e.line, e.code])).toEqual([[1, 'mismatched_endpoint'], [2, 'mismatched_endpoint']]);
    expect(rowsOf('batch-expected')).toBe(0);
  });

  it('returns every error of a garbage file, capped with a final count of the rest', async () => {
    const file = path.join(dir, 'garbage.jsonl');
    fs.writeFileSync(file, 'nope\n'.repeat(100_250));
    const result = await ingestFile({ filePath: file });
    expect(result.errors).toHaveLength(100_001);
    expect(result.errors[99_999]).toMatchObject({ line: 100_000, code: 'invalid_json_line' });
    expect(result.errors[100_000]).toMatchObject({ line: null, code: 'too_many_errors' });
    expect(result.errors[100_000]?.message).toMatch(/^250 more errors/);
    expect(result.lineCount).toBe(100_250);
  });
});
