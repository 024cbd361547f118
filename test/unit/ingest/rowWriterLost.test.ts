import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROWS_PER_TRANSACTION } from '../../../src-main/core/batches/ingest/insertRequests.ts';
import { ParallelRowWriter, RowWriterLost } from '../../../src-main/core/batches/ingest/parallelRowWriter.ts';
import { openDatabase } from '../../../src-main/core/store/database.ts';

const NEVER_STARTED = new URL('./fixtures/neverStartedWriter.mjs', import.meta.url);
const STUCK = new URL('./fixtures/stuckWriter.mjs', import.meta.url);
const id = new TextEncoder().encode('request-000001');

/** Rows until the writer has more chunks than it may hold (12), so the validating side has to wait. */
function fillPastInFlightLimit(writer: ParallelRowWriter): void {
  for (let i = 0; i < ROWS_PER_TRANSACTION * 14; i++) writer.add(id, 0, id.length, i * 100, 99);
}

describe('a row writer thread that stops answering', () => {
  let dir: string;
  let dbPath: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-writer-lost-'));
    dbPath = path.join(dir, 'engine.sqlite');
    openDatabase(dbPath).close();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('fails the ingest, saying so, when the writer never starts, instead of waiting for ever', async () => {
    const writer = new ParallelRowWriter(dbPath, 'b1', new Int32Array(new SharedArrayBuffer(4)), { workerUrl: NEVER_STARTED, startLimitMs: 300 });
    expect(() => fillPastInFlightLimit(writer)).toThrow(/did not start within 0.3 s; no request of this file was queued/);
    expect(() => fillPastInFlightLimit(writer)).not.toThrow(); // ended: later rows are dropped, not waited on
    await expect(writer.done()).rejects.toThrow(/exited/);
  });

  it('fails the ingest when a started writer writes nothing, and leaves no row of the batch behind', async () => {
    const db = openDatabase(dbPath);
    db.prepare('INSERT INTO requests (batch_id, idx, custom_id, offset, length) VALUES (?, ?, ?, ?, ?)').run('b1', 0, 'written-before-it-hung', 0, 1);
    db.close();
    const writer = new ParallelRowWriter(dbPath, 'b1', new Int32Array(new SharedArrayBuffer(4)), { workerUrl: STUCK, stallLimitMs: 300 });
    const started = Date.now();
    expect(() => fillPastInFlightLimit(writer)).toThrow(RowWriterLost);
    expect(Date.now() - started).toBeLessThan(10_000); // not the 120 s default: the limit given
    await writer.done().catch(() => undefined);
    const left = openDatabase(dbPath);
    expect(left.prepare('SELECT COUNT(*) AS n FROM requests WHERE batch_id = ?').get('b1')).toEqual({ n: 0 });
    left.close();
  });

  it('refuses to start when the writer script is not where the build said, naming the path', () => {
    const missing = new URL('./fixtures/no-such-writer.mjs', import.meta.url);
    expect(() => new ParallelRowWriter(dbPath, 'b1', new Int32Array(new SharedArrayBuffer(4)), { workerUrl: missing })).toThrow(/script is missing at .*no-such-writer\.mjs/);
  });
});
