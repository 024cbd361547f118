import { openDatabase } from '../../store/database.ts';
import type { RequestIndex } from './requestIndex.ts';

/**
 * Rows per transaction. One transaction for a million rows would hold SQLite's write lock for seconds and make
 * the engine's own writes (results, heartbeats) wait; chunks let them in between, and each commit's
 * checkpoint stays small and happens here in the worker rather than on the engine's connection.
 * All-or-nothing is kept by deleting the batch's rows if any chunk fails.
 */
const ROWS_PER_TRANSACTION = 50_000;
/** Rows per INSERT statement: one native call per row was most of the insert time. */
const ROWS_PER_STATEMENT = 100;
const COLUMNS = 5;

/** Thrown when the caller aborted; the rows written so far have been deleted. */
export class IngestAborted extends Error {
  override name = 'IngestAborted';
}

/**
 * Writes one `requests` row per request (state pending) for batchId. Returns the number of rows written.
 * shouldStop is asked between transactions; when it says yes, the rows are deleted and IngestAborted thrown.
 */
export function insertRequests(dbPath: string, batchId: string, index: RequestIndex, shouldStop: () => boolean = () => false): number {
  const db = openDatabase(dbPath);
  try {
    if (db.prepare('SELECT 1 FROM requests WHERE batch_id = ? LIMIT 1').get(batchId) !== undefined) {
      throw new Error(`batch ${batchId} already has requests; a batch's file is ingested only once`);
    }
    const sql = (rows: number): string =>
      `INSERT INTO requests (batch_id, idx, custom_id, offset, length) VALUES ${Array(rows).fill('(?, ?, ?, ?, ?)').join(', ')}`;
    const insertMany = db.prepare(sql(ROWS_PER_STATEMENT));
    const insertOne = db.prepare(sql(1));
    const args: unknown[] = new Array(ROWS_PER_STATEMENT * COLUMNS);
    const ids = index.customIds;

    const insertRange = db.transaction((from: number, to: number) => {
      let i = from;
      for (; i + ROWS_PER_STATEMENT <= to; i += ROWS_PER_STATEMENT) {
        for (let k = 0; k < ROWS_PER_STATEMENT; k++) {
          const row = i + k;
          const a = k * COLUMNS;
          args[a] = batchId;
          args[a + 1] = row;
          args[a + 2] = ids[row];
          args[a + 3] = index.offset(row);
          args[a + 4] = index.length(row);
        }
        insertMany.run(args);
      }
      for (; i < to; i++) insertOne.run(batchId, i, ids[i], index.offset(i), index.length(i));
    });
    try {
      for (let from = 0; from < index.size; from += ROWS_PER_TRANSACTION) {
        if (shouldStop()) throw new IngestAborted('ingest aborted');
        insertRange(from, Math.min(index.size, from + ROWS_PER_TRANSACTION));
      }
      if (shouldStop()) throw new IngestAborted('ingest aborted');
    } catch (err) {
      db.prepare('DELETE FROM requests WHERE batch_id = ?').run(batchId);
      throw err;
    }
    return index.size;
  } finally {
    db.close();
  }
}
