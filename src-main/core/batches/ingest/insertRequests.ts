import { openDatabase } from '../../store/database.ts';
import type { RequestIndex } from './requestIndex.ts';

/**
 * Rows per transaction. One transaction for a million rows would hold SQLite's write lock for seconds and make
 * the engine's own writes (results, heartbeats) time out; chunks let them in between. All-or-nothing is kept
 * by deleting the batch's rows if any chunk fails.
 */
const ROWS_PER_TRANSACTION = 50_000;

/** Writes one `requests` row per request (state pending) for batchId. Returns the number of rows written. */
export function insertRequests(dbPath: string, batchId: string, index: RequestIndex): number {
  const db = openDatabase(dbPath);
  try {
    if (db.prepare('SELECT 1 FROM requests WHERE batch_id = ? LIMIT 1').get(batchId) !== undefined) {
      throw new Error(`batch ${batchId} already has requests; a batch's file is ingested only once`);
    }
    const insert = db.prepare('INSERT INTO requests (batch_id, idx, custom_id, offset, length) VALUES (?, ?, ?, ?, ?)');
    const insertRange = db.transaction((from: number, to: number) => {
      const ids = index.customIds;
      for (let i = from; i < to; i++) insert.run(batchId, i, ids[i], index.offset(i), index.length(i));
    });
    try {
      for (let from = 0; from < index.size; from += ROWS_PER_TRANSACTION) {
        insertRange(from, Math.min(index.size, from + ROWS_PER_TRANSACTION));
      }
    } catch (err) {
      db.prepare('DELETE FROM requests WHERE batch_id = ?').run(batchId);
      throw err;
    }
    return index.size;
  } finally {
    db.close();
  }
}
