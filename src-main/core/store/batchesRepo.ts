import type { Db } from './database.ts';
import type { BatchStatus } from '../../../shared/batch.ts';

export interface BatchRow {
  id: string;
  seq: number;
  name: string;
  input_file_id: string;
  endpoint: string;
  completion_window: string;
  model: string | null;
  status: BatchStatus;
  priority: number;
  metadata: string | null;
  errors: string | null;
  output_file_id: string | null;
  error_file_id: string | null;
  total: number;
  completed: number;
  failed: number;
  prompt_tokens: number;
  completion_tokens: number;
  created_at: number;
  in_progress_at: number | null;
  finalizing_at: number | null;
  completed_at: number | null;
  failed_at: number | null;
  cancelling_at: number | null;
  cancelled_at: number | null;
  expires_at: number | null;
  expired_at: number | null;
}

const TIMESTAMP_OF: Partial<Record<BatchStatus, keyof BatchRow>> = {
  in_progress: 'in_progress_at',
  finalizing: 'finalizing_at',
  completed: 'completed_at',
  failed: 'failed_at',
  cancelling: 'cancelling_at',
  cancelled: 'cancelled_at',
  expired: 'expired_at',
};

export class BatchesRepo {
  private readonly db: Db;
  private readonly getStmt;
  constructor(db: Db) {
    this.db = db;
    this.getStmt = db.prepare('SELECT * FROM batches WHERE id = ?');
  }

  nextSeq(): number {
    const row = this.db.prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM batches').get() as { next: number };
    return row.next;
  }

  insert(row: BatchRow): void {
    const cols = Object.keys(row);
    this.db.prepare(`INSERT INTO batches (${cols.join(', ')}) VALUES (${cols.map((c) => '@' + c).join(', ')})`).run(row);
  }

  get(id: string): BatchRow | undefined {
    return this.getStmt.get(id) as BatchRow | undefined;
  }

  all(): BatchRow[] {
    return this.db.prepare('SELECT * FROM batches ORDER BY seq DESC').all() as BatchRow[];
  }

  withStatus(statuses: readonly BatchStatus[]): BatchRow[] {
    return this.db.prepare(`SELECT * FROM batches WHERE status IN (${statuses.map(() => '?').join(',')}) ORDER BY seq`).all(...statuses) as BatchRow[];
  }

  /** OpenAI's list order: newest first, cursor `after` = the last id of the previous page. */
  page(limit: number, after?: string): BatchRow[] {
    if (after) {
      const anchor = this.get(after);
      if (anchor) return this.db.prepare('SELECT * FROM batches WHERE seq < ? ORDER BY seq DESC LIMIT ?').all(anchor.seq, limit) as BatchRow[];
    }
    return this.db.prepare('SELECT * FROM batches ORDER BY seq DESC LIMIT ?').all(limit) as BatchRow[];
  }

  setStatus(id: string, status: BatchStatus, at = Date.now()): void {
    const tsCol = TIMESTAMP_OF[status];
    if (tsCol) this.db.prepare(`UPDATE batches SET status = ?, ${tsCol} = COALESCE(${tsCol}, ?) WHERE id = ?`).run(status, at, id);
    else this.db.prepare('UPDATE batches SET status = ? WHERE id = ?').run(status, id);
  }

  patch(id: string, fields: Partial<BatchRow>): void {
    const cols = Object.keys(fields);
    if (cols.length === 0) return;
    this.db.prepare(`UPDATE batches SET ${cols.map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id`).run({ ...fields, id });
  }
}
