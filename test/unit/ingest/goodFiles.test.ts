import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestFile } from '../../../src-main/core/batches/ingest/ingestFile.ts';
import { openDatabase, type Db } from '../../../src-main/core/store/database.ts';
import { goodBatchText, goodRequest, writeGoodBatchFile } from '../../support/batchFiles.ts';

let dir: string;
let dbPath: string;
let db: Db;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchdeck-ingest-good-'));
  dbPath = path.join(dir, 'engine.sqlite');
  db = openDatabase(dbPath);
});

afterAll(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Row { idx: number; custom_id: string; offset: number; length: number; state: number }
const rowsOf = (batchId: string): Row[] =>
  db.prepare('SELECT idx, custom_id, offset, length, state FROM requests WHERE batch_id = ? ORDER BY idx').all(batchId) as Row[];

/** Reads each row's bytes back from the file, as the executor will, and parses them. */
function expectRowsPointAtTheirLines(file: string, rows: Row[]): void {
  const bytes = fs.readFileSync(file);
  for (const row of rows) {
    const req = JSON.parse(bytes.toString('utf8', row.offset, row.offset + row.length)) as { custom_id: string };
    expect(req.custom_id).toBe(row.custom_id);
  }
}

describe('ingest accepts good batch files', () => {
  it('accepts a file with a BOM, CRLF line ends and blank lines, and records where each request is', async () => {
    const file = path.join(dir, 'bom-crlf.jsonl');
    fs.writeFileSync(file, goodBatchText({ count: 7, bom: true, crlf: true, blankLineEvery: 3, model: 'llama-3-8b' }));
    const result = await ingestFile({ filePath: file, dbPath, batchId: 'bom-crlf' });
    expect(result).toMatchObject({ ok: true, errors: [], lineCount: 7, model: 'llama-3-8b', endpoint: '/v1/chat/completions', insertedRows: 7 });
    expect(result.bytes).toBe(fs.statSync(file).size);
    const rows = rowsOf('bom-crlf');
    expect(rows.map((r) => r.custom_id)).toEqual(['req-1', 'req-2', 'req-3', 'req-4', 'req-5', 'req-6', 'req-7']);
    expect(rows.map((r) => r.idx)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(rows.every((r) => r.state === 0)).toBe(true);
    expect(rows[0]?.offset).toBe(3); // after the BOM
    expectRowsPointAtTheirLines(file, rows);
  });

  it('counts blank lines in line numbers (the preview shows physical lines)', async () => {
    const file = path.join(dir, 'blank.jsonl');
    fs.writeFileSync(file, goodBatchText({ count: 5, blankLineEvery: 2 }));
    const result = await ingestFile({ filePath: file, previewCount: 3 });
    expect(result.preview.map((p) => [p.line, p.customId])).toEqual([[1, 'req-1'], [2, 'req-2'], [4, 'req-3']]);
    expect(result.preview[0]?.body).toEqual(goodRequest(0).body);
  });

  it('accepts a last line without a line terminator', async () => {
    const file = path.join(dir, 'no-final-newline.jsonl');
    fs.writeFileSync(file, goodBatchText({ count: 3, trailingNewline: false }));
    const result = await ingestFile({ filePath: file, dbPath, batchId: 'no-final-newline' });
    expect(result.ok).toBe(true);
    expectRowsPointAtTheirLines(file, rowsOf('no-final-newline'));
  });

  it('inserts one row per request of a 1,000-line file', async () => {
    const file = path.join(dir, 'thousand.jsonl');
    await writeGoodBatchFile(file, { count: 1000, endpoint: '/v1/embeddings' });
    const result = await ingestFile({ filePath: file, dbPath, batchId: 'thousand' });
    expect(result).toMatchObject({ ok: true, lineCount: 1000, endpoint: '/v1/embeddings', insertedRows: 1000 });
    expect(result.preview).toHaveLength(10);
    const rows = rowsOf('thousand');
    expect(rows).toHaveLength(1000);
    expect(rows[999]).toMatchObject({ idx: 999, custom_id: 'req-1000' });
  });

  it('keeps offsets right across read chunks in a file of several megabytes', async () => {
    const file = path.join(dir, 'multi-chunk.jsonl');
    await writeGoodBatchFile(file, { count: 30_000, crlf: true, bom: true });
    expect(fs.statSync(file).size).toBeGreaterThan(5 * 1024 * 1024);
    const result = await ingestFile({ filePath: file, dbPath, batchId: 'multi-chunk' });
    expect(result.insertedRows).toBe(30_000);
    expectRowsPointAtTheirLines(file, rowsOf('multi-chunk'));
  });

  it('validates without writing anything when no database is given', async () => {
    const file = path.join(dir, 'validate-only.jsonl');
    fs.writeFileSync(file, goodBatchText({ count: 4, endpoint: '/v1/completions' }));
    const result = await ingestFile({ filePath: file, expectedEndpoint: '/v1/completions' });
    expect(result).toMatchObject({ ok: true, lineCount: 4, endpoint: '/v1/completions', insertedRows: 0 });
  });

  it('reports progress and keeps the caller responsive while a big file is read', async () => {
    const file = path.join(dir, 'progress.jsonl');
    await writeGoodBatchFile(file, { count: 40_000 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const progress: number[] = [];
    try {
      const result = await ingestFile({ filePath: file, onProgress: (p) => progress.push(p.bytesRead) });
      expect(result.ok).toBe(true);
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThan(progress[i - 1] ?? 0);
  });

  it('refuses to ingest the same batch twice and leaves the first rows alone', async () => {
    const file = path.join(dir, 'twice.jsonl');
    fs.writeFileSync(file, goodBatchText({ count: 2 }));
    await ingestFile({ filePath: file, dbPath, batchId: 'twice' });
    await expect(ingestFile({ filePath: file, dbPath, batchId: 'twice' })).rejects.toThrow(/already has requests/);
    expect(rowsOf('twice')).toHaveLength(2);
  });

  it('rejects when the file does not exist', async () => {
    await expect(ingestFile({ filePath: path.join(dir, 'missing.jsonl') })).rejects.toThrow(/ENOENT/);
  });

  it('stops when aborted and inserts nothing', async () => {
    const file = path.join(dir, 'aborted.jsonl');
    await writeGoodBatchFile(file, { count: 20_000 });
    const controller = new AbortController();
    const pending = ingestFile({ filePath: file, dbPath, batchId: 'aborted', signal: controller.signal });
    controller.abort(new Error('operator cancelled'));
    await expect(pending).rejects.toThrow('operator cancelled');
    expect(rowsOf('aborted')).toHaveLength(0);
  });

  it('leaves no rows when cancelled part-way through a big file', async () => {
    const file = path.join(dir, 'part.jsonl');
    await writeGoodBatchFile(file, { count: 150_000 });
    const controller = new AbortController();
    let cancelledAt = 0;
    const pending = ingestFile({
      filePath: file, dbPath, batchId: 'part', signal: controller.signal,
      // The first progress comes after the first read; rows are being written by then or soon after.
      onProgress: (p) => {
        if (cancelledAt > 0) return;
        cancelledAt = p.bytesRead;
        controller.abort(new Error('operator cancelled'));
      },
    });
    await expect(pending).rejects.toThrow('operator cancelled');
    expect(cancelledAt).toBeGreaterThan(0);
    expect(rowsOf('part')).toHaveLength(0);
  });
});
