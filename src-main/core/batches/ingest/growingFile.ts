import fs from 'node:fs';
import { Writable } from 'node:stream';

/**
 * A file validated while it is still being uploaded. The engine's thread writes the upload to disk
 * (GrowingFileWriter) and the ingest worker reads it right behind (GrowingFileReader); they share three Int32s.
 * The bytes travel once (socket -> page cache -> validator) and the worker never holds more than its read buffer,
 * so validation ends a moment after the last byte arrives instead of starting then.
 */
export interface GrowingFileState {
  /** [WRITES] bumped after every write reaches the file; [STATE] WRITING, COMPLETE or CUT_OFF. */
  shared: Int32Array;
}

const WRITES = 0;
const STATE = 1;
const WRITING = 0;
const COMPLETE = 1;
const CUT_OFF = 2;
/** How long the reader sleeps between looks at its abort flag while no bytes come (a stalled client). */
const IDLE_WAIT_MS = 200;

export function newGrowingFileState(): GrowingFileState {
  return { shared: new Int32Array(new SharedArrayBuffer(8)) };
}

/** Thrown in the worker when the upload it follows did not arrive whole. */
export class UploadCutOff extends Error {
  override name = 'IngestAborted';
}

/** The upload's side: a Writable to pipe the request body into; it says when bytes are on disk, and how it ended. */
export class GrowingFileWriter extends Writable {
  readonly #fd: number;
  readonly #shared: Int32Array;
  #closed = false;

  /** Opens (creates or truncates) `filePath` synchronously, so the worker can open it as soon as it starts. */
  constructor(filePath: string, state: GrowingFileState) {
    // Larger than the default 64 KiB so fewer, bigger writes wake the reader; small enough to stay a few MB.
    super({ highWaterMark: 1024 * 1024 });
    this.#fd = fs.openSync(filePath, 'w');
    this.#shared = state.shared;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.#writeAll([chunk], cb);
  }

  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    this.#writeAll(chunks.map((c) => c.chunk), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.#close((err) => {
      this.#end(err ? CUT_OFF : COMPLETE);
      cb(err);
    });
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    // Destroyed before _final ran: the upload broke off (client gone, size limit, disk error).
    if (Atomics.load(this.#shared, STATE) === WRITING) this.#end(CUT_OFF);
    this.#close(() => cb(err));
  }

  /** Tells the reader the upload will not complete (used when the request fails before anything was piped). */
  cutOff(): void {
    if (Atomics.load(this.#shared, STATE) === WRITING) this.#end(CUT_OFF);
  }

  #writeAll(chunks: Buffer[], cb: (err?: Error | null) => void): void {
    fs.writev(this.#fd, chunks, (err, written) => {
      if (err) return cb(err);
      const total = chunks.reduce((n, c) => n + c.length, 0);
      // A short write to a regular file is rare (disk full shows as an error); finish what is left.
      if (written < total) return this.#writeAll([Buffer.concat(chunks).subarray(written)], cb);
      Atomics.add(this.#shared, WRITES, 1);
      Atomics.notify(this.#shared, WRITES);
      cb();
    });
  }

  #end(state: number): void {
    Atomics.store(this.#shared, STATE, state);
    Atomics.add(this.#shared, WRITES, 1);
    Atomics.notify(this.#shared, WRITES);
  }

  #close(cb: (err?: Error | null) => void): void {
    if (this.#closed) return cb();
    this.#closed = true;
    fs.close(this.#fd, (err) => cb(err));
  }
}

/**
 * The worker's side: a positional read that, at the end of what is written so far, waits for more until the
 * upload completes (then 0 means the end of the file) or is cut off (then it throws and the ingest stops).
 */
export class GrowingFileReader {
  readonly #fd: number;
  readonly #shared: Int32Array;
  readonly #shouldStop: () => boolean;

  constructor(fd: number, state: GrowingFileState, shouldStop: () => boolean) {
    this.#fd = fd;
    this.#shared = state.shared;
    this.#shouldStop = shouldStop;
  }

  read(buf: Buffer, offset: number, length: number, position: number): number {
    for (;;) {
      // Both looked at before the read: if the upload was complete then, a read of 0 is the true end.
      const writes = Atomics.load(this.#shared, WRITES);
      const state = Atomics.load(this.#shared, STATE);
      const n = fs.readSync(this.#fd, buf, offset, length, position);
      if (n > 0 || state === COMPLETE) return n;
      if (state === CUT_OFF) throw new UploadCutOff('the upload was cut off before its end; nothing was kept');
      if (this.#shouldStop()) throw new UploadCutOff('ingest aborted');
      Atomics.wait(this.#shared, WRITES, writes, IDLE_WAIT_MS);
    }
  }
}
