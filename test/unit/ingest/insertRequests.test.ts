import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IngestAborted, insertRequests } from '../../../src-main/core/batches/ingest/insertRequests.ts';
import { RequestIndex } from '../../../src-main/core/batches/ingest/requestIndex.ts';
import { openDatabase } from '../../../src-main/core/store/database.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchdeck-insert-'));
const dbPath = path.join(dir, 'engine.sqlite');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function indexOf(n: number): RequestIndex {
  const index = new RequestIndex();
  for (let i = 0; i < n; i++) index.push(`req-${i}`, i * 100, 99);
  return index;
}

const rowsOf = (batchId: string): number => {
  const db = openDatabase(dbPath);
  try {
    return db.prepare('SELECT count(*) FROM requests WHERE batch_id = ?').pluck().get(batchId) as number;
  } finally {
    db.close();
  }
};

describe('inserting request rows', () => {
  it('writes every row, including a remainder smaller than one multi-row statement', () => {
    expect(insertRequests(dbPath, 'odd', indexOf(123_457))).toBe(123_457);
    const db = openDatabase(dbPath);
    try {
      expect(db.prepare('SELECT count(*) FROM requests WHERE batch_id = ?').pluck().get('odd')).toBe(123_457);
      expect(db.prepare('SELECT idx, custom_id, offset, length, state FROM requests WHERE batch_id = ? AND idx = ?').get('odd', 123_456))
        .toEqual({ idx: 123_456, custom_id: 'req-123456', offset: 12_345_600, length: 99, state: 0 });
    } finally {
      db.close();
    }
  });

  it('deletes what it wrote when aborted between transactions, so a batch is never half queued', () => {
    let asked = 0;
    expect(() => insertRequests(dbPath, 'aborted', indexOf(120_000), () => ++asked > 2)).toThrow(IngestAborted);
    expect(asked).toBe(3);
    expect(rowsOf('aborted')).toBe(0);
  });

  it('deletes what it wrote when a later transaction fails', () => {
    const index = indexOf(120_000);
    let asked = 0;
    // Another writer puts a row where the third chunk will write, so that chunk fails on the primary key.
    expect(() => insertRequests(dbPath, 'clash', index, () => {
      if (++asked === 3) {
        const other = openDatabase(dbPath);
        other.prepare('INSERT INTO requests (batch_id, idx, custom_id, offset, length) VALUES (?, ?, ?, ?, ?)').run('clash', 100_001, 'x', 0, 1);
        other.close();
      }
      return false;
    })).toThrow(/UNIQUE constraint failed/);
    expect(rowsOf('clash')).toBe(0);
  });
});
