import type { Db } from './database.ts';
import type { BatchLogEntry } from '../../../shared/batch.ts';

export class EventsRepo {
  private readonly db: Db;
  private readonly insertStmt;
  constructor(db: Db) {
    this.db = db;
    this.insertStmt = db.prepare('INSERT INTO events (batch_id, at, level, message) VALUES (?, ?, ?, ?)');
  }

  append(batchId: string, level: BatchLogEntry['level'], message: string, at = Date.now()): BatchLogEntry {
    const info = this.insertStmt.run(batchId, at, level, message);
    return { id: Number(info.lastInsertRowid), batchId, at, level, message };
  }

  /** The last `limit` entries, oldest first. */
  list(batchId: string, limit: number): BatchLogEntry[] {
    const rows = this.db
      .prepare('SELECT id, batch_id AS batchId, at, level, message FROM events WHERE batch_id = ? ORDER BY id DESC LIMIT ?')
      .all(batchId, limit) as BatchLogEntry[];
    return rows.reverse();
  }
}
