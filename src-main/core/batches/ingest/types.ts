import type { GrowingFileState } from './growingFile.ts';
import type { LineError } from '../../../../shared/batch.ts';

export interface IngestOptions {
  filePath: string;
  /** SQLite file to insert the `requests` rows into; rows are written only with batchId and no errors. */
  dbPath?: string;
  batchId?: string;
  /** When set, every line's `url` must equal it (the batch was created for this endpoint). */
  expectedEndpoint?: string;
  /** How many requests to return for the Submit view's preview (default 10). */
  previewCount?: number;
  /** Longest line accepted, in bytes without the line terminator (default 10 MiB). */
  maxLineBytes?: number;
  /** Set when the file is still being uploaded: it is read as it grows (growingFile.ts) until the upload ends. */
  growing?: GrowingFileState;
  /** A growing file's announced size (Content-Length), for progress and to choose the row writer. */
  expectedBytes?: number;
}

export interface IngestPreviewItem { line: number; customId: string; body: unknown }

export interface IngestResult {
  ok: boolean;
  /** Requests in the file (non-blank lines), whether valid or not. */
  lineCount: number;
  model: string | null;
  endpoint: string | null;
  errors: LineError[];
  preview: IngestPreviewItem[];
  /** Size of the file in bytes. */
  bytes: number;
  /** Rows written to `requests` (0 when nothing was inserted). */
  insertedRows: number;
  /** Where the time went, for logs and benchmarks. */
  timings: { validateMs: number; insertMs: number };
}

export interface IngestProgress {
  bytesRead: number;
  totalBytes: number;
  /** Non-blank lines seen so far. */
  lines: number;
  errorCount: number;
  /** The first errors found so far (at most PROGRESS_ERRORS), for a window that shows them before the end. */
  firstErrors: LineError[];
}

/** What the parent gives the ingest worker. */
export interface IngestWorkerData {
  opts: IngestOptions;
  /** Shared with the parent; set to 1 to stop. The worker's loop is synchronous, so a message would wait. */
  abortFlag: Int32Array;
}

/** What the ingest worker posts back to its parent. */
export type IngestWorkerMessage =
  | { type: 'progress'; progress: IngestProgress }
  /** The scan is done and every line is good; the last rows are still being written (the result follows). */
  | { type: 'validated'; result: IngestResult }
  | { type: 'result'; result: IngestResult }
  | { type: 'aborted' }
  | { type: 'failure'; message: string; stack?: string };

export const DEFAULT_MAX_LINE_BYTES = 10 * 1024 * 1024;
export const DEFAULT_PREVIEW_COUNT = 10;
/** Beyond this many errors only a count is kept, so a garbage 1 GB file cannot exhaust memory. */
export const MAX_REPORTED_ERRORS = 100_000;
/** How many of the first errors a progress message carries; the final result has all of them. */
export const PROGRESS_ERRORS = 10;
