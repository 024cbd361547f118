import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { dropCustomIdIndex } from '../../store/customIdIndexes.ts';
import { openDatabase } from '../../store/database.ts';
import { ROWS_PER_TRANSACTION } from './insertRequests.ts';
import {
  CHUNKS_WRITTEN, IN_FLIGHT, SHARED_SLOTS, WRITER_FAILED, WRITER_STARTED,
  type RowWriterCommand, type RowWriterData, type RowWriterReply,
} from './rowWriterProtocol.ts';
import type { RequestRows } from './validateBatchFile.ts';

const WORKER_URL = new URL('./rowWriterWorker.ts', import.meta.url);
/**
 * While this thread waits (Atomics.wait) it cannot hear the writer's 'error' or 'exit' events: a writer that
 * never starts, or stops writing, would hold the ingest forever. Past these it is given up on.
 */
const START_LIMIT_MS = 30_000;
const STALL_LIMIT_MS = 120_000;

const seconds = (ms: number): string => `${ms < 10_000 ? (ms / 1000).toFixed(1) : Math.round(ms / 1000)} s`;

export interface ParallelRowWriterOptions {
  workerUrl?: URL;
  startLimitMs?: number;
  stallLimitMs?: number;
}

/** The row writer thread stopped answering; the ingest fails with this instead of waiting for ever. */
export class RowWriterLost extends Error {
  override name = 'RowWriterLost';
}
/** Chunks handed over and not yet written; past this the validator waits, so rows never pile up in memory. */
const MAX_IN_FLIGHT = 12;
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 16 };
/** Room for typical custom_ids; a chunk of longer ones grows its byte buffer. */
const ID_BYTES_PER_ROW = 32;

/**
 * The validating thread's side of the row writer: collects valid requests into chunks and hands each to a
 * writer thread (rowWriterWorker.ts), which inserts them while the validator reads on. At most a few chunks
 * are in flight; the validator blocks (Atomics.wait, it is a worker) until the writer catches up.
 */
export class ParallelRowWriter implements RequestRows {
  /** Whether rows are written beside the scan (so they may still be arriving when it ends). */
  readonly onItsOwnThread = true;
  readonly #worker: Worker;
  readonly #shared = new Int32Array(new SharedArrayBuffer(SHARED_SLOTS * 4));
  readonly #outcome: Promise<RowWriterReply>;
  readonly #dbPath: string;
  readonly #batchId: string;
  readonly #startLimitMs: number;
  readonly #stallLimitMs: number;
  #lost = false;
  #idBytes = new Uint8Array(ROWS_PER_TRANSACTION * ID_BYTES_PER_ROW);
  #idEnds = new Uint32Array(ROWS_PER_TRANSACTION);
  #idLength = 0;
  #offsets = new Float64Array(ROWS_PER_TRANSACTION);
  #lengths = new Uint32Array(ROWS_PER_TRANSACTION);
  #count = 0;
  #ended = false;

  constructor(dbPath: string, batchId: string, abortFlag: Int32Array, options: ParallelRowWriterOptions = {}) {
    const url = options.workerUrl ?? WORKER_URL;
    // A bundle that put the script elsewhere would otherwise show only as an ingest that never ends.
    if (url.protocol === 'file:' && !fs.existsSync(fileURLToPath(url))) {
      throw new Error(`the row writer's script is missing at ${fileURLToPath(url)} (a broken build): rebuild it, with npm run build:app for the desktop app or npm run serve for the headless engine`);
    }
    this.#dbPath = dbPath;
    this.#batchId = batchId;
    this.#startLimitMs = options.startLimitMs ?? START_LIMIT_MS;
    this.#stallLimitMs = options.stallLimitMs ?? STALL_LIMIT_MS;
    const data: RowWriterData = { dbPath, batchId, abortFlag, shared: this.#shared };
    this.#worker = new Worker(url, { workerData: data, resourceLimits: WORKER_LIMITS });
    this.#outcome = new Promise((resolve) => {
      this.#worker.on('message', (m: RowWriterReply) => resolve(m));
      this.#worker.on('error', (err) => resolve({ type: 'failed', name: err.name, message: err.message, ...(err.stack === undefined ? {} : { stack: err.stack }) }));
      this.#worker.on('exit', (code) => resolve({ type: 'failed', name: 'Error', message: `row writer exited with code ${code} before reporting` }));
    });
  }

  add(id: Uint8Array, start: number, end: number, offset: number, length: number): void {
    if (this.#ended) return;
    const i = this.#count;
    let at = this.#idLength;
    if (at + end - start > this.#idBytes.length) this.#growIdBytes(at + end - start);
    const bytes = this.#idBytes;
    // Ids are a few bytes: a loop beats a native copy call.
    for (let k = start; k < end; k++) bytes[at++] = id[k]!;
    this.#idLength = at;
    this.#idEnds[i] = at;
    this.#offsets[i] = offset;
    this.#lengths[i] = length;
    this.#count = i + 1;
    if (this.#count === ROWS_PER_TRANSACTION) this.#send();
  }

  /** Tells the writer to delete what it wrote; `done()` says when it has. */
  abandon(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#post({ type: 'abandon' });
  }

  /** Sends the last rows and waits until all are written; returns the rows written and the writer's time. */
  async finish(): Promise<{ written: number; writeMs: number }> {
    if (!this.#ended) {
      if (this.#count > 0) this.#send();
      this.#ended = true;
      this.#post({ type: 'finish' });
    }
    const outcome = await this.#outcome;
    if (outcome.type === 'finished') return { written: outcome.written, writeMs: outcome.writeMs };
    if (outcome.type === 'failed') throw this.#failure(outcome);
    throw new Error('the row writer deleted its rows instead of finishing (the ingest was stopped)');
  }

  /** Waits until the writer has stopped (after abandon(), its rows deleted). */
  async done(): Promise<void> {
    if (!this.#ended) this.abandon();
    const outcome = await this.#outcome;
    await this.#worker.terminate();
    // A lost writer deleted nothing: what it committed goes from here, so a failed ingest queues nothing.
    if (this.#lost) this.#deleteRows();
    if (outcome.type === 'failed' && outcome.name !== 'IngestAborted') throw this.#failure(outcome);
  }

  #deleteRows(): void {
    const db = openDatabase(this.#dbPath);
    try {
      db.prepare('DELETE FROM requests WHERE batch_id = ?').run(this.#batchId);
      dropCustomIdIndex(db, this.#batchId);
    } finally {
      db.close();
    }
  }

  /** Gives up on a writer that did not start or stopped writing: stops its thread and fails the ingest. */
  #giveUp(message: string): never {
    this.#lost = true;
    this.#ended = true;
    void this.#worker.terminate();
    throw new RowWriterLost(message);
  }

  #send(): void {
    const shared = this.#shared;
    let written = Atomics.load(shared, CHUNKS_WRITTEN);
    let progressAt = Date.now();
    for (;;) {
      if (Atomics.load(shared, WRITER_FAILED) !== 0) {
        // The writer's error arrives as a message once this thread is free to read it (finish/done).
        this.#ended = true;
        this.#count = 0;
        this.#idLength = 0;
        return;
      }
      const inFlight = Atomics.load(shared, IN_FLIGHT);
      if (inFlight < MAX_IN_FLIGHT) break;
      Atomics.wait(shared, IN_FLIGHT, inFlight, Math.min(1000, this.#startLimitMs, this.#stallLimitMs));
      const now = Date.now();
      if (Atomics.load(shared, CHUNKS_WRITTEN) !== written) {
        written = Atomics.load(shared, CHUNKS_WRITTEN);
        progressAt = now;
      } else if (Atomics.load(shared, WRITER_STARTED) === 0 && now - progressAt >= this.#startLimitMs) {
        this.#giveUp(`the row writer thread did not start within ${seconds(this.#startLimitMs)}; no request of this file was queued`);
      } else if (now - progressAt >= this.#stallLimitMs) {
        this.#giveUp(`the row writer thread wrote nothing for ${seconds(this.#stallLimitMs)}; no request of this file was queued`);
      }
    }
    Atomics.add(shared, IN_FLIGHT, 1);
    const chunk = { count: this.#count, idBytes: this.#idBytes, idEnds: this.#idEnds, offsets: this.#offsets, lengths: this.#lengths };
    this.#post({ type: 'rows', chunk }, [chunk.idBytes.buffer, chunk.idEnds.buffer, chunk.offsets.buffer, chunk.lengths.buffer]);
    this.#idBytes = new Uint8Array(Math.max(chunk.idBytes.length, ROWS_PER_TRANSACTION * ID_BYTES_PER_ROW));
    this.#idEnds = new Uint32Array(ROWS_PER_TRANSACTION);
    this.#idLength = 0;
    this.#offsets = new Float64Array(ROWS_PER_TRANSACTION);
    this.#lengths = new Uint32Array(ROWS_PER_TRANSACTION);
    this.#count = 0;
  }

  #growIdBytes(needed: number): void {
    const grown = new Uint8Array(Math.max(needed, this.#idBytes.length * 2));
    grown.set(this.#idBytes.subarray(0, this.#idLength));
    this.#idBytes = grown;
  }

  #post(command: RowWriterCommand, transfer: ArrayBuffer[] = []): void {
    this.#worker.postMessage(command, transfer);
  }

  #failure(outcome: Extract<RowWriterReply, { type: 'failed' }>): Error {
    return Object.assign(new Error(outcome.message), { name: outcome.name }, outcome.stack === undefined ? {} : { stack: outcome.stack });
  }
}
