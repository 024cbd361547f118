import { parentPort, workerData } from 'node:worker_threads';
import type { IngestOptions, IngestWorkerMessage } from './types.ts';
import { validateBatchFile } from './validateBatchFile.ts';

/** Worker entry: validates one file off the engine's event loop, inserts its requests when it is good. */
const PROGRESS_INTERVAL_MS = 200;

function post(message: IngestWorkerMessage): void {
  parentPort?.postMessage(message);
}

async function main(opts: IngestOptions): Promise<void> {
  let lastProgress = 0;
  const { result, index } = validateBatchFile(opts, (bytesRead, totalBytes) => {
    const now = Date.now();
    if (now - lastProgress < PROGRESS_INTERVAL_MS) return;
    lastProgress = now;
    post({ type: 'progress', progress: { bytesRead, totalBytes } });
  });
  if (result.ok && opts.dbPath !== undefined && opts.batchId !== undefined) {
    // Loaded only when needed: a validate-only run (the Submit preview) skips SQLite's start-up cost.
    const { insertRequests } = await import('./insertRequests.ts');
    result.insertedRows = insertRequests(opts.dbPath, opts.batchId, index);
  }
  post({ type: 'result', result });
}

main(workerData as IngestOptions).catch((err: unknown) => {
  const e = err instanceof Error ? err : new Error(String(err));
  post({ type: 'failure', message: e.message, ...(e.stack === undefined ? {} : { stack: e.stack }) });
});
