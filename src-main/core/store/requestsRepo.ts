import { CustomIdIndexes } from './customIdIndexes.ts';
import type { Db } from './database.ts';

/** Stored request states (kept small: one byte per row matters at a million rows). */
export const RequestStateCode = { pending: 0, succeeded: 1, failed: 2, cancelled: 3 } as const;
export type RequestStateCode = (typeof RequestStateCode)[keyof typeof RequestStateCode];

export interface PendingRow { idx: number; custom_id: string; offset: number; length: number; attempts: number }

export interface RequestRow {
  batch_id: string;
  idx: number;
  custom_id: string;
  offset: number;
  length: number;
  state: RequestStateCode;
  attempts: number;
  status_code: number | null;
  request_id: string | null;
  response: string | null;
  error_code: string | null;
  error_message: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  latency_ms: number | null;
  finished_at: number | null;
}

/** A finished request, as the executor hands it over for a batched write. */
export interface RequestOutcome {
  batchId: string;
  idx: number;
  state: typeof RequestStateCode.succeeded | typeof RequestStateCode.failed;
  attempts: number;
  statusCode: number | null;
  requestId: string | null;
  response: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
  latencyMs: number | null;
  finishedAt: number;
}

export class RequestsRepo {
  private readonly db: Db;
  private readonly pendingStmt;
  private readonly outcomeStmt;
  private readonly countersStmt;
  private readonly customIdIndexes: CustomIdIndexes;
  constructor(db: Db) {
    this.db = db;
    this.customIdIndexes = new CustomIdIndexes(db);
    this.pendingStmt = db.prepare(
      'SELECT idx, custom_id, offset, length, attempts FROM requests WHERE batch_id = ? AND state = 0 AND idx > ? ORDER BY idx LIMIT ?',
    );
    this.outcomeStmt = db.prepare(
      `UPDATE requests SET state = @state, attempts = @attempts, status_code = @statusCode, request_id = @requestId, response = @response,
         error_code = @errorCode, error_message = @errorMessage, prompt_tokens = @promptTokens, completion_tokens = @completionTokens,
         latency_ms = @latencyMs, finished_at = @finishedAt
       WHERE batch_id = @batchId AND idx = @idx AND state = 0`,
    );
    this.countersStmt = db.prepare(
      `UPDATE batches SET completed = completed + ?, failed = failed + ?, prompt_tokens = prompt_tokens + ?, completion_tokens = completion_tokens + ? WHERE id = ?`,
    );
  }

  pendingAfter(batchId: string, afterIdx: number, limit: number): PendingRow[] {
    return this.pendingStmt.all(batchId, afterIdx, limit) as PendingRow[];
  }

  /**
   * Writes finished requests and the batch counters in one transaction, so the counters always match the
   * rows even if the process dies right after. A row already final (state != 0) is not counted twice.
   */
  recordOutcomes(outcomes: readonly RequestOutcome[]): void {
    if (outcomes.length === 0) return;
    this.db.transaction(() => {
      const perBatch = new Map<string, [number, number, number, number]>();
      for (const o of outcomes) {
        const changed = this.outcomeStmt.run(o).changes;
        if (changed === 0) continue;
        let c = perBatch.get(o.batchId);
        if (!c) perBatch.set(o.batchId, (c = [0, 0, 0, 0]));
        if (o.state === RequestStateCode.succeeded) c[0]++;
        else c[1]++;
        c[2] += o.promptTokens ?? 0;
        c[3] += o.completionTokens ?? 0;
      }
      for (const [batchId, c] of perBatch) this.countersStmt.run(c[0], c[1], c[2], c[3], batchId);
    })();
  }

  countByState(batchId: string): Record<'pending' | 'succeeded' | 'failed' | 'cancelled', number> {
    const rows = this.db.prepare('SELECT state, COUNT(*) AS n FROM requests WHERE batch_id = ? GROUP BY state').all(batchId) as { state: number; n: number }[];
    const out = { pending: 0, succeeded: 0, failed: 0, cancelled: 0 };
    for (const r of rows) {
      if (r.state === 0) out.pending = r.n;
      else if (r.state === 1) out.succeeded = r.n;
      else if (r.state === 2) out.failed = r.n;
      else if (r.state === 3) out.cancelled = r.n;
    }
    return out;
  }

  /** Marks every pending request of a batch cancelled; returns how many. */
  cancelPending(batchId: string, at: number): number {
    return this.db.prepare('UPDATE requests SET state = 3, finished_at = ? WHERE batch_id = ? AND state = 0').run(at, batchId).changes;
  }

  /** Marks every pending request of a batch failed with the given code (expiry); returns how many. */
  expirePending(batchId: string, code: string, message: string, at: number): number {
    return this.db.transaction(() => {
      const n = this.db
        .prepare('UPDATE requests SET state = 2, error_code = ?, error_message = ?, finished_at = ? WHERE batch_id = ? AND state = 0')
        .run(code, message, at, batchId).changes;
      this.db.prepare('UPDATE batches SET failed = failed + ? WHERE id = ?').run(n, batchId);
      return n;
    })();
  }

  /** Puts a batch's failed requests back in the queue with fresh attempts; returns how many. */
  requeueFailed(batchId: string): number {
    return this.db.transaction(() => {
      const n = this.db
        .prepare(`UPDATE requests SET state = 0, attempts = 0, status_code = NULL, request_id = NULL, response = NULL, error_code = NULL,
                    error_message = NULL, prompt_tokens = NULL, completion_tokens = NULL, latency_ms = NULL, finished_at = NULL
                  WHERE batch_id = ? AND state = 2`)
        .run(batchId).changes;
      this.db.prepare('UPDATE batches SET failed = failed - ? WHERE id = ?').run(n, batchId);
      return n;
    })();
  }

  page(batchId: string, opts: { offset: number; limit: number; state?: RequestStateCode }): RequestRow[] {
    if (opts.state === undefined) {
      return this.db.prepare('SELECT * FROM requests WHERE batch_id = ? ORDER BY idx LIMIT ? OFFSET ?').all(batchId, opts.limit, opts.offset) as RequestRow[];
    }
    return this.db
      .prepare('SELECT * FROM requests WHERE batch_id = ? AND state = ? ORDER BY idx LIMIT ? OFFSET ?')
      .all(batchId, opts.state, opts.limit, opts.offset) as RequestRow[];
  }

  count(batchId: string, state?: RequestStateCode): number {
    if (state === undefined) return (this.db.prepare('SELECT COUNT(*) AS n FROM requests WHERE batch_id = ?').get(batchId) as { n: number }).n;
    return (this.db.prepare('SELECT COUNT(*) AS n FROM requests WHERE batch_id = ? AND state = ?').get(batchId, state) as { n: number }).n;
  }

  /** Finished rows in input order, streamed so a 100k-row file is never held at once. */
  iterateFinished(batchId: string, state: RequestStateCode): IterableIterator<RequestRow> {
    return this.db.prepare('SELECT * FROM requests WHERE batch_id = ? AND state = ? ORDER BY idx').iterate(batchId, state) as IterableIterator<RequestRow>;
  }

  /** The batch's rows with these custom_ids; the first call for a batch builds its custom_id index (customIdIndexes.ts). */
  byCustomIds(batchId: string, customIds: readonly string[]): RequestRow[] {
    return this.customIdIndexes.byCustomIds(batchId, customIds);
  }

  deleteBatch(batchId: string): void {
    this.db.prepare('DELETE FROM requests WHERE batch_id = ?').run(batchId);
    this.customIdIndexes.drop(batchId);
  }
}
