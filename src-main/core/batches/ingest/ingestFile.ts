import { Worker } from 'node:worker_threads';
import type { IngestOptions, IngestProgress, IngestResult, IngestWorkerData, IngestWorkerMessage } from './types.ts';

export type { IngestOptions, IngestResult, IngestProgress, IngestPreviewItem } from './types.ts';

export interface IngestCallOptions extends IngestOptions {
  /** A few times a second while the file is read, for a progress bar. */
  onProgress?: (progress: IngestProgress) => void;
  /**
   * When every line is good and rows are being written: called with the result (insertedRows 0) as soon as the
   * scan ends, while the last rows are still being written; the promise resolves once they are.
   */
  onValidated?: (result: IngestResult) => void;
  /**
   * Aborting stops the worker at its next read or transaction; rows already written are deleted before the
   * promise rejects with the abort reason. If the ingest had already finished, it resolves with its result.
   */
  signal?: AbortSignal;
}

/**
 * The worker is a .ts file that Node 24 loads with its native type stripping, both when the engine runs under
 * plain node and when vitest (which transforms this module but leaves `import.meta.url` pointing at the source
 * file) imports it. A bundled build must ship ingestWorker.ts (or its compiled .js) next to this module.
 */
const WORKER_URL = new URL('./ingestWorker.ts', import.meta.url);

/**
 * Ingest makes little short-lived garbage (the fast path decodes only custom_ids), so a small young generation
 * costs nothing in speed, while V8's default on a big machine (semi-spaces of tens of MB) added ~100 MB of RSS.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 16 };

/**
 * Validates an OpenAI Batch JSONL file in a worker thread, streaming it in chunks, and inserts one `requests` row
 * per line when dbPath and batchId are given and every line is good. Rejects only when the file cannot be read,
 * the database write fails or the signal aborts; a bad file resolves with ok=false and its errors.
 */
export function ingestFile(opts: IngestCallOptions): Promise<IngestResult> {
  const { onProgress, onValidated, signal, ...workerOpts } = opts;
  if ((workerOpts.dbPath === undefined) !== (workerOpts.batchId === undefined)) {
    return Promise.reject(new Error('ingestFile: dbPath and batchId go together (both to insert rows, neither to only validate)'));
  }
  if (signal?.aborted) return Promise.reject(signal.reason);

  return new Promise<IngestResult>((resolve, reject) => {
    const abortFlag = new Int32Array(new SharedArrayBuffer(4));
    const data: IngestWorkerData = { opts: workerOpts, abortFlag };
    const worker = new Worker(WORKER_URL, { workerData: data, resourceLimits: WORKER_LIMITS });
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    // The worker notices at its next read or transaction and cleans up; the promise settles when it says so.
    const onAbort = (): void => { Atomics.store(abortFlag, 0, 1); };
    signal?.addEventListener('abort', onAbort, { once: true });

    worker.on('message', (message: IngestWorkerMessage) => {
      if (message.type === 'progress') onProgress?.(message.progress);
      else if (message.type === 'validated') onValidated?.(message.result);
      else if (message.type === 'result') settle(() => resolve(message.result));
      else if (message.type === 'aborted') settle(() => reject(signal?.reason ?? new Error('ingest aborted')));
      else settle(() => reject(Object.assign(new Error(message.message), message.stack === undefined ? {} : { stack: message.stack })));
    });
    worker.on('error', (err) => settle(() => reject(err)));
    worker.on('exit', (code) => settle(() => reject(new Error(`ingest worker exited with code ${code} before reporting a result`))));
  });
}
