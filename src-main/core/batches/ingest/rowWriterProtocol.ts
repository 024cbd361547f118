/** Messages and shared memory between the validating thread and the row writer thread (rowWriterWorker.ts). */

/**
 * One transaction's rows. The custom_ids travel as UTF-8 bytes end to end in one transferred buffer (id i is
 * idBytes[idEnds[i-1], idEnds[i])): no string per row on the validating side, and no structured clone.
 */
export interface RowChunk {
  count: number;
  idBytes: Uint8Array;
  idEnds: Uint32Array;
  offsets: Float64Array;
  lengths: Uint32Array;
}

export interface RowWriterData {
  dbPath: string;
  batchId: string;
  /** The ingest's abort flag (1 = stop). */
  abortFlag: Int32Array;
  /**
   * [IN_FLIGHT] chunks sent and not yet written; [WRITER_FAILED] 1 once the writer gave up; [WRITER_STARTED] 1
   * once its script runs; [CHUNKS_WRITTEN] chunks written so far, which the validator watches for progress.
   */
  shared: Int32Array;
}

export const IN_FLIGHT = 0;
export const WRITER_FAILED = 1;
export const WRITER_STARTED = 2;
export const CHUNKS_WRITTEN = 3;
export const SHARED_SLOTS = 4;

export type RowWriterCommand =
  | { type: 'rows'; chunk: RowChunk }
  | { type: 'finish' }
  | { type: 'abandon' };

export type RowWriterReply =
  | { type: 'finished'; written: number; writeMs: number }
  | { type: 'abandoned' }
  | { type: 'failed'; name: string; message: string; stack?: string };
