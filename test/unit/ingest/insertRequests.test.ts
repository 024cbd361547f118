import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IngestAborted, RequestRowWriter } from '../../../src-main/core/batches/ingest/insertRequests.ts';
import { openDatabase } from '../../../src-main/core/store/database.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchdeck-insert-'));
const dbPath = path.join(dir, 'engine.sqlite');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function writeRows(writer: RequestRowWriter, n: number): void {
  for (let i = 0; i < n; i++) writer.add(`req-${i}`, i * 100, 99);
}

const rowsOf = (batchId: string): number => {
  const db = openDatabase(dbPath);
  try {
    return db.prepare('SELECT count(*) FROM requests WHERE batch_id = ?').pluck().get(batchId) as number;
  } finally {
    db.close();
  }
};

describe('writing request rows while the file is read', () => {
  it('writes every row in file order, including a remainder smaller than one multi-row statement', () => {
    const writer = new RequestRowWriter(dbPath, 'odd');
    writeRows(writer, 123_457);
    expect(writer.finish()).toBe(123_457);
    const db = openDatabase(dbPath);
    try {
      expect(db.prepare('SELECT count(*) FROM requests WHERE batch_id = ?').pluck().get('odd')).toBe(123_457);
      expect(db.prepare('SELECT idx, custom_id, offset, length, state FROM requests WHERE batch_id = ? AND idx = ?').get('odd', 123_456))
        .toEqual({ idx: 123_456, custom_id: 'req-123456', offset: 12_345_600, length: 99, state: 0 });
    } finally {
      db.close();
    }
  });

  it('deletes the rows already written when abandoned at a bad line, so a batch is never half queued', () => {
    const writer = new RequestRowWriter(dbPath, 'bad-late');
    writeRows(writer, 90_000);
    expect(rowsOf('bad-late')).toBeGreaterThan(0);
    writer.abandon();
    expect(rowsOf('bad-late')).toBe(0);
  });

  it('deletes what it wrote when aborted between transactions', () => {
    let asked = 0;
    const writer = new RequestRowWriter(dbPath, 'aborted', () => ++asked > 2);
    expect(() => writeRows(writer, 120_000)).toThrow(IngestAborted);
    expect(asked).toBe(3);
    expect(rowsOf('aborted')).toBe(0);
  });

  it('deletes what it wrote when a later transaction fails', () => {
    let asked = 0;
    // Another writer puts a row where the third chunk will write, so that chunk fails on the primary key.
    const writer = new RequestRowWriter(dbPath, 'clash', () => {
      if (++asked === 3) {
        const other = openDatabase(dbPath);
        other.prepare('INSERT INTO requests (batch_id, idx, custom_id, offset, length) VALUES (?, ?, ?, ?, ?)').run('clash', 40_001, 'x', 0, 1);
        other.close();
      }
      return false;
    });
    expect(() => writeRows(writer, 120_000)).toThrow(/UNIQUE constraint failed/);
    expect(rowsOf('clash')).toBe(0);
  });
});
