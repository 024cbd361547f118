import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestFile } from '../../../src-main/core/batches/ingest/ingestFile.ts';
import { openDatabase, type Db } from '../../../src-main/core/store/database.ts';
import { goodRequest, goodRequestLine } from '../../support/batchFiles.ts';

/**
 * The duplicate check keeps only hashes and line offsets, and rows are written while the file is read: these
 * files are big enough to span many 2 MiB reads, several row transactions (20,000 rows each) and to have their
 * rows written by the separate writer thread (files of 32 MiB and more).
 */
const LINES = 120_000;
let dir: string;
let dbPath: string;
let db: Db;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchdeck-ingest-dups-'));
  dbPath = path.join(dir, 'engine.sqlite');
  db = openDatabase(dbPath);
});

afterAll(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const rowsOf = (batchId: string): number =>
  db.prepare('SELECT count(*) FROM requests WHERE batch_id = ?').pluck().get(batchId) as number;

/** A good file of LINES lines, with some lines (1-based) replaced. */
function writeFile(name: string, replace: Record<number, string>, eol = '\n'): string {
  const file = path.join(dir, name);
  const lines: string[] = [];
  for (let i = 0; i < LINES; i++) lines.push(replace[i + 1] ?? goodRequestLine(i));
  fs.writeFileSync(file, lines.join(eol) + eol);
  return file;
}

/** The i-th request with another custom_id, written as given (raw JSON for the id, so it can be escaped). */
function lineWithRawId(i: number, rawId: string): string {
  const { custom_id: _, ...rest } = goodRequest(i);
  return `{"custom_id":${rawId},${JSON.stringify(rest).slice(1)}`;
}

describe('duplicate custom_ids in a big file', () => {
  it('queues every line of a file with no duplicates, its rows written while it was read', async () => {
    const file = writeFile('good.jsonl', {});
    expect(fs.statSync(file).size).toBeGreaterThan(32 * 1024 * 1024);
    const result = await ingestFile({ filePath: file, dbPath, batchId: 'good' });
    expect(result.errors).toEqual([]);
    expect(result.insertedRows).toBe(LINES);
    expect(rowsOf('good')).toBe(LINES);
    expect(db.prepare('SELECT custom_id, idx FROM requests WHERE batch_id = ? AND idx = ?').get('good', LINES - 1))
      .toEqual({ custom_id: `req-${LINES}`, idx: LINES - 1 });
  });

  it('names both lines of duplicates far apart, however the id is spelled, and queues nothing', async () => {
    const file = writeFile('dups.jsonl', {
      // Line 3's id (req-3) again near the end: the first one is long gone from the read buffer.
      [LINES - 1]: lineWithRawId(LINES - 2, '"req-3"'),
      // req-40000 spelled with a JSON escape: the same id, so a duplicate of line 40,000.
      [45_000]: lineWithRawId(44_999, '"req-4\\u0030000"'),
      // Line 5 went through JSON.parse (the preview); its id again at line 30,000.
      [30_000]: lineWithRawId(29_999, '"req-5"'),
    });
    const result = await ingestFile({ filePath: file, dbPath, batchId: 'dups' });
    expect(result.ok).toBe(false);
    expect(result.errors.map((e) => e.message)).toEqual([
      'line 30000: duplicate custom_id "req-5" (first seen on line 5)',
      'line 45000: duplicate custom_id "req-40000" (first seen on line 40000)',
      `line ${LINES - 1}: duplicate custom_id "req-3" (first seen on line 3)`,
    ]);
    // Rows were being written until line 30,000; they are gone.
    expect(result.insertedRows).toBe(0);
    expect(rowsOf('dups')).toBe(0);
  });

  it('points at the first line even when that line had other errors, in a CRLF file', async () => {
    const bad = JSON.stringify({ ...goodRequest(99), method: 'GET' });
    const file = writeFile('crlf.jsonl', { 100: bad, [LINES]: lineWithRawId(LINES - 1, '"req-100"') }, '\r\n');
    const result = await ingestFile({ filePath: file, dbPath, batchId: 'crlf' });
    expect(result.errors.map((e) => [e.line, e.code])).toEqual([[100, 'invalid_method'], [LINES, 'duplicate_custom_id']]);
    expect(result.errors[1]?.message).toBe(`line ${LINES}: duplicate custom_id "req-100" (first seen on line 100)`);
    expect(rowsOf('crlf')).toBe(0);
  });

  it('tells apart ids that differ only past a common prefix', async () => {
    // Ids of the same length and prefix as their neighbours, so only the tail tells them apart.
    const file = writeFile('prefix.jsonl', { 2: lineWithRawId(1, '"req-1 "'), 3: lineWithRawId(2, '"req-1\\t"') });
    const result = await ingestFile({ filePath: file });
    expect(result.errors).toEqual([]);
  });
});
