import type { Db } from './database.ts';
import { isBatchId } from './ids.ts';
import type { RequestRow } from './requestsRepo.ts';

/**
 * How many batches keep their custom_id index. Every partial index costs each insert into `requests` one
 * evaluation of its WHERE clause, for any batch (1M-row insert: about +1% CPU per index, +40% with 32),
 * so only the batches compared last keep theirs.
 */
export const KEPT_CUSTOM_ID_INDEXES = 4;

const PREFIX = 'requests_custom_id_of_';

/** The on-demand index of a batch: a name SQLite accepts unquoted, derived only from a validated batch id. */
export function customIdIndexName(batchId: string): string {
  return PREFIX + batchId.slice('batch-'.length);
}

/**
 * The lookup of `count` custom_ids in a batch through the batch's partial index. Without statistics the planner
 * prefers the primary key's batch_id prefix (a scan of the whole batch per page), so the index is named; it
 * can be used only because the WHERE clause repeats the index's own predicate, literally.
 */
export function customIdLookupSql(batchId: string, count: number): string {
  if (!isBatchId(batchId)) throw new Error(`${batchId} is not a batch id of this engine; it is not written into SQL`);
  return `SELECT * FROM requests INDEXED BY ${customIdIndexName(batchId)} WHERE batch_id = '${batchId}' AND custom_id IN (${Array(count).fill('?').join(',')})`;
}

/**
 * Drops a batch's on-demand custom_id index if it has one. Used wherever a batch's rows are deleted: the
 * index would be empty, but every insert would still evaluate its WHERE clause.
 */
export function dropCustomIdIndex(db: Db, batchId: string): void {
  if (!isBatchId(batchId)) return;
  db.exec(`DROP INDEX IF EXISTS ${customIdIndexName(batchId)}`);
}

/**
 * Looks up a batch's rows by custom_id (Compare joins two batches that way). Ingest writes rows in file order
 * and nothing else reads by custom_id, so there is no index on (batch_id, custom_id) for every batch: it was
 * 40% of the insert time of a million-row file. Instead the first lookup in a batch builds a partial index
 * on custom_id for that batch alone (1M rows: about half a second, once), and the lookups use it.
 *
 * The batch id is written into the index's WHERE clause and into the lookup as the same literal: SQLite uses a
 * partial index only when the query's WHERE clause implies the index's, which a bound parameter does not show
 * the planner. Only ids of our own format (`batch-` + 24 hex digits) are ever put into SQL.
 */
export class CustomIdIndexes {
  readonly #db: Db;
  readonly #keep: number;
  /** Batch ids with an index, least recently used first (those found at start-up in no known order). */
  readonly #recent = new Set<string>();

  constructor(db: Db, keep = KEPT_CUSTOM_ID_INDEXES) {
    this.#db = db;
    this.#keep = keep;
    for (const id of this.#existing()) this.#recent.add(id);
  }

  byCustomIds(batchId: string, customIds: readonly string[]): RequestRow[] {
    if (customIds.length === 0) return [];
    if (!isBatchId(batchId)) {
      // Not an id this engine made, so never written into SQL: a scan of the batch's rows, slow but right.
      const marks = customIds.map(() => '?').join(',');
      return this.#db.prepare(`SELECT * FROM requests WHERE batch_id = ? AND custom_id IN (${marks})`).all(batchId, ...customIds) as RequestRow[];
    }
    this.ensure(batchId);
    const sql = customIdLookupSql(batchId, customIds.length);
    try {
      return this.#db.prepare(sql).all(...customIds) as RequestRow[];
    } catch (err) {
      // Another connection (an ingest abandoning this batch) may have dropped the index just now.
      if (!/no such index/.test((err as Error).message)) throw err;
      this.ensure(batchId);
      return this.#db.prepare(sql).all(...customIds) as RequestRow[];
    }
  }

  /** Builds the batch's index unless it exists, and makes room by dropping the least recently used others. */
  ensure(batchId: string): void {
    if (!isBatchId(batchId)) throw new Error(`${batchId} is not a batch id of this engine; no custom_id index is built for it`);
    this.#recent.delete(batchId);
    this.#recent.add(batchId);
    for (const id of [...this.#recent]) {
      if (this.#recent.size <= this.#keep) break;
      this.drop(id);
    }
    const name = customIdIndexName(batchId);
    // Looked up first: CREATE INDEX IF NOT EXISTS counts as a write (sqlite3_stmt_readonly) even when the index is there.
    if (this.#db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?").get(name) !== undefined) return;
    this.#db.exec(`CREATE INDEX IF NOT EXISTS ${name} ON requests (custom_id) WHERE batch_id = '${batchId}'`);
  }

  drop(batchId: string): void {
    this.#recent.delete(batchId);
    dropCustomIdIndex(this.#db, batchId);
  }

  /** Batch ids whose index is in the database. */
  #existing(): string[] {
    const names = this.#db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'requests' AND name GLOB '${PREFIX}*'`)
      .pluck()
      .all() as string[];
    return names.map((n) => 'batch-' + n.slice(PREFIX.length)).filter(isBatchId);
  }
}
