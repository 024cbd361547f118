import { parentPort, workerData } from 'node:worker_threads';
import type { IngestWorkerData, IngestWorkerMessage } from './types.ts';
import { validateBatchFile } from './validateBatchFile.ts';
import { PROGRESS_ERRORS } from './types.ts';

/** Worker entry: validates one file off the engine's event loop, inserts its requests when it is good. */
const PROGRESS_INTERVAL_MS = 200;

class Aborted extends Error {}

function post(message: IngestWorkerMessage): void {
  parentPort?.postMessage(message);
}

async function main({ opts, abortFlag }: IngestWorkerData): Promise<void> {
  const shouldStop = (): boolean => Atomics.load(abortFlag, 0) !== 0;
  let lastProgress = 0;
  let sentErrors = 0;
  const { result, index } = validateBatchFile(opts, ({ bytesRead, totalBytes, lines, errors }) => {
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
  });
  if (result.ok && opts.dbPath !== undefined && opts.batchId !== undefined) {
    // Loaded only when needed: a validate-only run (the Submit preview) skips SQLite's start-up cost.
    const { insertRequests } = await import('./insertRequests.ts');
    const started = performance.now();
    result.insertedRows = insertRequests(opts.dbPath, opts.batchId, index, shouldStop);
    result.timings.insertMs = Math.round(performance.now() - started);
  }
  post({ type: 'result', result });
}

main(workerData as IngestWorkerData).catch((err: unknown) => {
  if (err instanceof Aborted || (err instanceof Error && err.name === 'IngestAborted')) return post({ type: 'aborted' });
  const e = err instanceof Error ? err : new Error(String(err));
  post({ type: 'failure', message: e.message, ...(e.stack === undefined ? {} : { stack: e.stack }) });
});
