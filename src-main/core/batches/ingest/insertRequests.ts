import type Database from 'better-sqlite3';
import { dropCustomIdIndex } from '../../store/customIdIndexes.ts';
import { openDatabase, type Db } from '../../store/database.ts';

/**
 * Rows per transaction. One transaction for a million rows would hold SQLite's write lock for seconds and make
 * the engine's own writes (results, heartbeats) wait; chunks let them in between, and each commit's
 * checkpoint stays small and happens here in the worker rather than on the engine's connection. It is also
 * all the validator holds: rows are written while the file is read, not kept until its end.
 */
export const ROWS_PER_TRANSACTION = 20_000;
/** Rows per INSERT statement: one native call per row was most of the insert time. */
const ROWS_PER_STATEMENT = 100;
const COLUMNS = 5;

/** Thrown when the caller aborted; the rows written so far have been deleted. */
export class IngestAborted extends Error {
  override name = 'IngestAborted';
}

/**
 * Writes one `requests` row per valid request (state pending) for batchId as the file is validated, a
 * transaction at a time. All-or-nothing is kept by the caller's protocol: `abandon()` at the first bad line
 * (or on abort, or when a write fails) deletes every row written; `finish()` writes the rest and closes.
 * A batch whose rows are being written is not queued yet (it is `validating`, or has no batch row at all), so
 * the executor never sees a half-written batch.
 */
export class RequestRowWriter {
  readonly #db: Db;
  readonly #batchId: string;
  readonly #shouldStop: () => boolean;
  readonly #insertMany: Database.Statement<unknown[]>;
  readonly #insertOne: Database.Statement<unknown[]>;
  readonly #writeChunk: (rows: number) => void;
  readonly #ids: string[] = new Array(ROWS_PER_TRANSACTION);
  readonly #offsets = new Float64Array(ROWS_PER_TRANSACTION);
  readonly #lengths = new Uint32Array(ROWS_PER_TRANSACTION);
  readonly #args: unknown[] = new Array(ROWS_PER_STATEMENT * COLUMNS);
  #pending = 0;
  #written = 0;
  #open = true;
  /** Time spent writing, for the ingest timings. */
  writeMs = 0;

  constructor(dbPath: string, batchId: string, shouldStop: () => boolean = () => false) {
    this.#db = openDatabase(dbPath);
    // SQLite's default page cache (2 MB): rows and the state index go in file order, as fast with it as with
    // 16 MB (1M rows: 0.85 s of CPU either way), and a bigger cache filled up to its size during every big ingest.
    // Only a custom_id index, whose rows come in another order, wanted 16 MB; it is built for compared batches
    // (customIdIndexes.ts) and is almost never there while a file is ingested.
    this.#batchId = batchId;
    this.#shouldStop = shouldStop;
    try {
      if (this.#db.prepare('SELECT 1 FROM requests WHERE batch_id = ? LIMIT 1').get(batchId) !== undefined) {
        throw new Error(`batch ${batchId} already has requests; a batch's file is ingested only once`);
      }
      const sql = (rows: number): string =>
        `INSERT INTO requests (batch_id, idx, custom_id, offset, length) VALUES ${Array(rows).fill('(?, ?, ?, ?, ?)').join(', ')}`;
      this.#insertMany = this.#db.prepare(sql(ROWS_PER_STATEMENT));
      this.#insertOne = this.#db.prepare(sql(1));
    } catch (err) {
      this.#db.close();
      this.#open = false;
      throw err;
    }
    this.#writeChunk = this.#db.transaction((rows: number) => this.#insertPending(rows));
  }

  /** Rows written so far (all of them after finish). */
  get written(): number {
    return this.#written;
  }

  /** Queues the next request's row (idx = order of arrival); writes a transaction when a chunk is full. */
  add(customId: string, offset: number, length: number): void {
    const i = this.#pending;
    this.#ids[i] = customId;
    this.#offsets[i] = offset;
    this.#lengths[i] = length;
    this.#pending = i + 1;
    if (this.#pending === ROWS_PER_TRANSACTION) this.#flush();
  }

  /** Writes what is left and closes; returns the number of rows written. */
  finish(): number {
    this.#flush();
    if (this.#shouldStop()) throw this.#abandonWith(new IngestAborted('ingest aborted'));
    this.#close();
    return this.#written;
  }

  /** Deletes every row written and closes: a bad line, an abort or a failure means nothing is queued. */
  abandon(): void {
    if (!this.#open) return;
    this.#pending = 0;
    try {
      if (this.#written > 0) this.#db.prepare('DELETE FROM requests WHERE batch_id = ?').run(this.#batchId);
      // A Compare opened while the batch was validating may have built its custom_id index.
      dropCustomIdIndex(this.#db, this.#batchId);
    } finally {
      this.#written = 0;
      this.#close();
    }
  }

  #flush(): void {
    if (this.#pending === 0) return;
    if (this.#shouldStop()) throw this.#abandonWith(new IngestAborted('ingest aborted'));
    const started = performance.now();
    try {
      this.#writeChunk(this.#pending);
    } catch (err) {
      throw this.#abandonWith(err);
    }
    this.#written += this.#pending;
    this.#pending = 0;
    this.writeMs += performance.now() - started;
  }

  #insertPending(rows: number): void {
    const args = this.#args;
    const batchId = this.#batchId;
    const base = this.#written;
    let i = 0;
    for (; i + ROWS_PER_STATEMENT <= rows; i += ROWS_PER_STATEMENT) {
      for (let k = 0; k < ROWS_PER_STATEMENT; k++) {
        const row = i + k;
        const a = k * COLUMNS;
        args[a] = batchId;
        args[a + 1] = base + row;
        args[a + 2] = this.#ids[row];
        args[a + 3] = this.#offsets[row];
        args[a + 4] = this.#lengths[row];
      }
      this.#insertMany.run(args);
    }
    for (; i < rows; i++) this.#insertOne.run(batchId, base + i, this.#ids[i], this.#offsets[i], this.#lengths[i]);
  }

  #abandonWith(err: unknown): unknown {
    this.abandon();
    return err;
  }

  #close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#ids.fill('');
    this.#db.close();
  }
}
