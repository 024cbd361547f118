import { RequestRowWriter } from './insertRequests.ts';
import type { RequestRows } from './validateBatchFile.ts';

/**
 * Rows written on the validating thread itself, for small files: a second thread (ParallelRowWriter) costs a
 * worker start-up, more than the whole insert of a few thousand rows. Same protocol as ParallelRowWriter.
 */
export class InlineRowWriter implements RequestRows {
  /** Whether rows are written beside the scan (so they may still be arriving when it ends). */
  readonly onItsOwnThread = false;
  readonly #writer: RequestRowWriter;

  constructor(dbPath: string, batchId: string, shouldStop: () => boolean) {
    this.#writer = new RequestRowWriter(dbPath, batchId, shouldStop);
  }

  add(id: Uint8Array, start: number, end: number, offset: number, length: number): void {
    this.#writer.add(Buffer.from(id.buffer, id.byteOffset + start, end - start).toString('utf8'), offset, length);
  }

  abandon(): void {
    this.#writer.abandon();
  }

  async finish(): Promise<{ written: number; writeMs: number }> {
    return { written: this.#writer.finish(), writeMs: this.#writer.writeMs };
  }

  async done(): Promise<void> {
    this.#writer.abandon();
  }
}
