import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { InlineRowWriter } from './inlineRowWriter.ts';
import type { ParallelRowWriter } from './parallelRowWriter.ts';
import type { IngestResult, IngestWorkerData, IngestWorkerMessage } from './types.ts';
import { validateBatchFile, type ValidationProgress } from './validateBatchFile.ts';
import { PROGRESS_ERRORS } from './types.ts';

/**
 * Worker entry: validates one file off the engine's event loop and writes its request rows as it goes; they
 * stay only when every line is good.
 */
const PROGRESS_INTERVAL_MS = 200;
/** From this size on, the writer thread's start-up (~0.1 s of CPU) is repaid by writing beside validation. */
const PARALLEL_WRITER_MIN_BYTES = 32 * 1024 * 1024;

class Aborted extends Error {}

function post(message: IngestWorkerMessage): void {
  parentPort?.postMessage(message);
}

async function main({ opts, abortFlag }: IngestWorkerData): Promise<void> {
  const shouldStop = (): boolean => Atomics.load(abortFlag, 0) !== 0;
  let lastProgress = 0;
  let sentErrors = 0;
  // Rows of a big file are written on a thread of their own while this one validates; a validate-only run
  // (the Submit preview) starts neither that thread nor SQLite.
  let writer: ParallelRowWriter | InlineRowWriter | null = null;
  if (opts.dbPath !== undefined && opts.batchId !== undefined) {
    // A file still arriving is sized by what its client announced (0 when it did not say: written inline).
    const size = opts.growing ? (opts.expectedBytes ?? 0) : fs.statSync(opts.filePath).size;
    writer = size >= PARALLEL_WRITER_MIN_BYTES
      ? new (await import('./parallelRowWriter.ts')).ParallelRowWriter(opts.dbPath, opts.batchId, abortFlag)
      : new (await import('./inlineRowWriter.ts')).InlineRowWriter(opts.dbPath, opts.batchId, shouldStop);
  }
  const onProgress = ({ bytesRead, totalBytes, lines, errors }: ValidationProgress): void => {
    // Called after every read, so an abort is seen within one read of a few MB.
    if (shouldStop()) throw new Aborted();
    const now = Date.now();
    // The first error goes out at once (the operator may stop there); otherwise a few updates a second.
    const firstErrorNews = errors.count > 0 && sentErrors === 0;
    if (!firstErrorNews && now - lastProgress < PROGRESS_INTERVAL_MS) return;
    lastProgress = now;
    const firstErrors = sentErrors < PROGRESS_ERRORS ? errors.first(PROGRESS_ERRORS) : [];
    sentErrors = errors.count;
    post({ type: 'progress', progress: { bytesRead, totalBytes, lines, errorCount: errors.count, firstErrors } });
  };
  let result: IngestResult;
  try {
    result = validateBatchFile(opts, onProgress, writer ?? undefined, shouldStop);
    if (writer && result.ok) {
      // The report does not wait for the row writer thread to catch up; only queuing the batch does. (Rows
      // written inline are all in a moment later: the report waits for them, as small files always did.)
      if (writer.onItsOwnThread) post({ type: 'validated', result });
      const { written, writeMs } = await writer.finish();
      result.insertedRows = written;
      result.timings.insertMs = Math.round(writeMs);
    } else {
      await writer?.done();
    }
  } catch (err) {
    // The rows written so far go (the writer deletes them before it stops): an aborted or failed ingest queues nothing.
    await writer?.done().catch(() => undefined);
    throw err;
  }
  post({ type: 'result', result });
}

main(workerData as IngestWorkerData).catch((err: unknown) => {
  if (err instanceof Aborted || (err instanceof Error && err.name === 'IngestAborted')) return post({ type: 'aborted' });
  const e = err instanceof Error ? err : new Error(String(err));
  post({ type: 'failure', message: e.message, ...(e.stack === undefined ? {} : { stack: e.stack }) });
});
