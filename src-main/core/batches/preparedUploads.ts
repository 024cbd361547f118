import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { BatchSummary } from '../../../shared/batch.ts';
import { ApiError } from '../../../shared/contract/index.ts';
import type { UploadReport } from '../../../shared/upload.ts';
import type { ChangeFeed } from '../events/changeFeed.ts';
import type { Db } from '../store/database.ts';
import type { FileRow, FilesRepo } from '../store/filesRepo.ts';
import { newId } from '../store/ids.ts';
import type { BatchService } from './batchService.ts';
import type { FileStore } from './fileStore.ts';
import { GrowingFileWriter, newGrowingFileState, type GrowingFileState } from './ingest/growingFile.ts';
import { ingestFile, type IngestResult } from './ingest/ingestFile.ts';

interface Prepared {
  fileId: string;
  /** The file's row as reserved (hidden until its upload completes, so `files.get` cannot find it yet). */
  file: FileRow;
  /** The id the batch will get: the requests are written under it while the file is validated. */
  batchId: string;
  abort: AbortController;
  /** The report: ready when the scan and the upload are done, maybe before the last rows are written. */
  validation: Promise<UploadReport>;
  /** Settles when the worker has stopped: every row written (resolves), or none left (rejects). */
  rows: Promise<IngestResult>;
  report: UploadReport | null;
  /** Set while the upload is still arriving: stops it (discard during the upload). */
  stopUpload: ((reason: Error) => void) | null;
  /** Taken by a batch (claim): from then on its rows and file are the batch's, never removed from here. */
  claimed: boolean;
  /** The sender's key for this upload (UPLOAD_KEY_HEADER), carried on each of its progress events. */
  uploadKey: string | undefined;
}

/** The upload key, if the sender gave one, as the progress events carry it (absent, not undefined, without). */
function keyed(uploadKey: string | undefined): { uploadKey?: string } {
  return uploadKey === undefined ? {} : { uploadKey };
}

/** An upload validated while it arrived, taken by a batch created from it: its rows are under `batchId`. */
export interface ClaimedUpload { batchId: string; validation: Promise<UploadReport> }

export interface SubmitPrepared {
  fileId: string;
  completionWindow?: string | undefined;
  name?: string | undefined;
  model?: string | undefined;
  priority: number;
  metadata?: Record<string, string> | undefined;
}

/**
 * The window's two-step submit. An uploaded (or, on the desktop, imported) file is validated once, and its
 * request rows are written during that pass under a batch id reserved for it; "Submit batch" then only creates
 * the batch row, so it is queued at once however big the file. An upload that is discarded, replaced or
 * left behind by a restart takes its rows and its stored file with it.
 *
 * A batch upload is validated while it arrives (`receive`): the body goes to disk and the ingest worker reads the
 * file right behind it, so the report is ready a moment after the last byte. The result is kept by file id for
 * the window's Submit and for the API's `POST /v1/batches` (`claim`), which then neither reads nor validates
 * the file again.
 *
 * The reserved batch id is kept in the upload's `files.batch_id`, so cleanup after a crash needs no scan.
 */
export class PreparedUploads {
  private readonly o: { db: Db; dbPath: string; files: FilesRepo; fileStore: FileStore; feed: ChangeFeed; batches: BatchService };
  private readonly prepared = new Map<string, Prepared>();

  constructor(o: PreparedUploads['o']) {
    this.o = o;
    // The API's batch create takes what was validated at upload from here.
    o.batches.useUploadValidations(this);
  }

  /**
   * Stores a batch upload and validates it as it arrives, writing its request rows under a reserved batch id.
   * Resolves with the stored file when the last byte is on disk (the report follows a moment later through
   * `validate`); rejects, keeping nothing, when the upload breaks off or is discarded. With an `uploadKey`
   * its progress events carry it, so the sender can follow them before this resolves with the file id.
   */
  async receive(filename: string, source: Readable, expectedBytes?: number, opts: { uploadKey?: string | undefined } = {}): Promise<FileRow> {
    const batchId = newId('batch');
    const file = this.o.fileStore.reserve(filename, 'batch', batchId);
    const growing = newGrowingFileState();
    const writer = new GrowingFileWriter(file.path, growing);
    const uploaded = pipeline(source, writer);
    const entry = this.start(file, batchId, growing, expectedBytes, uploaded, opts.uploadKey);
    entry.stopUpload = (reason) => { source.destroy(reason); writer.destroy(reason); };
    try {
      await uploaded;
    } catch (err) {
      entry.abort.abort();
      await entry.validation.catch(() => undefined);
      throw err;
    }
    entry.stopUpload = null;
    const stored = this.o.fileStore.reveal(file, 'batch');
    entry.file = stored;
    return stored;
  }

  /**
   * The upload's report: at once when it was validated while it arrived (or waits for that), else a stored
   * upload is validated once now (progress on the change feed) and its report kept for submit.
   */
  validate(fileId: string): Promise<UploadReport> {
    const existing = this.prepared.get(fileId);
    if (existing) return existing.validation;
    const file = this.uploadFile(fileId);
    if (file.batch_id !== null) {
      throw new ApiError({ code: 'conflict', message: `File ${fileId} was already validated for batch ${file.batch_id}; upload it again to validate it again` });
    }
    const batchId = newId('batch');
    this.o.db.prepare('UPDATE files SET batch_id = ? WHERE id = ?').run(batchId, fileId);
    return this.start({ ...file, batch_id: batchId }, batchId, undefined, undefined, Promise.resolve()).validation;
  }

  /** The batch id an upload validated at upload time reserved (what `claim` would hand over), if any. */
  reservedBatchId(fileId: string): string | null {
    const entry = this.prepared.get(fileId);
    return entry && entry.stopUpload === null ? entry.batchId : null;
  }

  /**
   * Hands a validated (or still validating) upload to a batch being created from it through the API: the
   * batch takes the reserved id, so the rows written during the upload are its own. Null when there is none
   * (never validated, or already taken by another batch: that one validates the file itself).
   */
  claim(fileId: string): ClaimedUpload | null {
    const entry = this.prepared.get(fileId);
    if (!entry || entry.stopUpload !== null) return null;
    this.prepared.delete(fileId);
    entry.claimed = true;
    // The batch is queued once every row is written.
    return { batchId: entry.batchId, validation: entry.rows.then(() => entry.validation) };
  }

  /**
   * An upload that turned out not to be a batch input (a multipart form whose purpose came after the file):
   * its rows go, the stored file stays.
   */
  async unprepare(fileId: string): Promise<void> {
    const entry = this.prepared.get(fileId);
    if (!entry) return;
    this.prepared.delete(fileId);
    entry.abort.abort();
    await Promise.allSettled([entry.validation, entry.rows]);
    this.o.db.prepare('DELETE FROM requests WHERE batch_id = ?').run(entry.batchId);
    this.o.db.prepare('UPDATE files SET batch_id = NULL WHERE id = ?').run(fileId);
  }

  private start(file: FileRow, batchId: string, growing: GrowingFileState | undefined, expectedBytes: number | undefined, uploaded: Promise<void>, uploadKey?: string): Prepared {
    const fileId = file.id;
    const abort = new AbortController();
    const started = performance.now();
    const entry: Prepared = { fileId, file, batchId, abort, report: null, stopUpload: null, claimed: false, uploadKey, validation: Promise.resolve(null as never), rows: Promise.resolve(null as never) };
    let scanned!: (r: IngestResult) => void;
    const scan = new Promise<IngestResult>((resolve) => { scanned = resolve; });
    const ingest = ingestFile({
      filePath: file.path!,
      dbPath: this.o.dbPath,
      batchId,
      signal: abort.signal,
      ...(growing ? { growing } : {}),
      ...(expectedBytes !== undefined ? { expectedBytes } : {}),
      onProgress: (p) => this.o.feed.emit('upload.progress', {
        fileId, ...keyed(uploadKey), bytesRead: p.bytesRead, totalBytes: p.totalBytes, lines: p.lines, errorCount: p.errorCount,
        firstErrors: p.firstErrors, elapsedMs: Math.round(performance.now() - started),
      }),
      onValidated: scanned,
    });
    entry.rows = ingest;
    // A failed validation stops the upload too: there is nothing to keep it for.
    ingest.catch((err: unknown) => entry.stopUpload?.(err instanceof Error ? err : new Error(String(err))));
    ingest.then(scanned, () => undefined);
    entry.validation = this.settle(entry, Promise.race([scan, ingest]), uploaded, started, growing !== undefined);
    // A report already given (all good) whose last rows then failed to be written: nothing is kept.
    Promise.all([entry.validation, ingest]).catch(() => { if (entry.report) this.forget(entry); });
    // Awaited by whoever asks (validate, claim, discard); this keeps an unasked failure from going unhandled.
    entry.validation.catch(() => undefined);
    this.prepared.set(fileId, entry);
    return entry;
  }

  /**
   * The report is final once both the scan and the upload are done (a scan that refused a binary file ends
   * early). On failure both are waited for before anything is removed: the worker must have stopped writing
   * rows before the cleanup deletes them.
   */
  private async settle(entry: Prepared, scanned: Promise<IngestResult>, uploaded: Promise<void>, started: number, growing: boolean): Promise<UploadReport> {
    const [scan, upload] = await Promise.allSettled([scanned, uploaded]);
    if (scan.status === 'fulfilled' && upload.status === 'fulfilled') return this.finish(entry, scan.value, started);
    await entry.rows.catch(() => undefined);
    this.forget(entry);
    const name = entry.file.filename;
    if (entry.abort.signal.aborted) throw new ApiError({ code: 'conflict', message: `Validation of ${name} was cancelled; nothing was kept` });
    if (upload.status === 'rejected') {
      throw new ApiError({ code: 'invalid_input', message: `The upload of ${name} did not arrive whole (${(upload.reason as Error).message}); nothing was kept. Upload it again.` });
    }
    const err = (scan as PromiseRejectedResult).reason as Error;
    throw new ApiError({ code: 'internal', message: `Could not validate ${name}${growing ? ' while it was uploaded' : ''}: ${err.message}` });
  }

  private finish(entry: Prepared, r: IngestResult, started: number): UploadReport {
    const { fileId, file } = entry;
    // The stored size, not what the scan read: a scan that refused a binary file stopped early.
    const bytes = file.path ? fs.statSync(file.path).size : r.bytes;
    const report: UploadReport = {
      ok: r.ok, lineCount: r.lineCount, model: r.model, endpoint: r.endpoint, errors: r.errors, preview: r.preview,
      fileId, filename: file.filename, bytes, elapsedMs: Math.round(performance.now() - started),
    };
    entry.report = report;
    this.o.feed.emit('upload.progress', {
      fileId, ...keyed(entry.uploadKey), bytesRead: bytes, totalBytes: bytes, lines: r.lineCount, errorCount: r.errors.length,
      firstErrors: r.errors.slice(0, 10), elapsedMs: report.elapsedMs,
    });
    return report;
  }

  /**
   * Creates the batch from a validated upload; the file is neither read nor validated again. The report may
   * come a moment before the last rows are written: Submit waits for them.
   */
  async submit(input: SubmitPrepared): Promise<BatchSummary> {
    const entry = this.prepared.get(input.fileId);
    if (!entry) throw new ApiError({ code: 'not_found', message: `File ${input.fileId} has not been validated (or was discarded); drop it on the window again` });
    const report = entry.report;
    if (!report) throw new ApiError({ code: 'conflict', message: `File ${input.fileId} is still being validated; submit it when the report is in` });
    if (!report.ok) {
      throw new ApiError({ code: 'invalid_input', message: `${report.filename} has ${report.errors.length} error(s); nothing was queued. Fix the file and drop it again.` });
    }
    try {
      await entry.rows;
    } catch (err) {
      throw new ApiError({ code: 'internal', message: `Could not store the requests of ${report.filename}: ${(err as Error).message}. Drop it again.` });
    }
    if (this.prepared.get(input.fileId) !== entry) throw new ApiError({ code: 'not_found', message: `File ${input.fileId} was discarded before it was queued` });
    // Created first, forgotten after: a refusal (a full queue, HTTP 429) leaves the validated upload to submit later.
    const created = this.o.batches.createIngested(entry.batchId, {
      inputFileId: input.fileId,
      endpoint: report.endpoint ?? '/v1/chat/completions',
      name: input.name,
      model: input.model,
      priority: input.priority,
      metadata: input.metadata,
      completionWindow: input.completionWindow,
      total: report.lineCount,
      fileModel: report.model,
    });
    this.prepared.delete(input.fileId);
    entry.claimed = true;
    return created;
  }

  /** Stops an upload or validation in progress (if any) and removes the upload, its rows and its stored bytes. */
  async discard(fileId: string): Promise<{ fileId: string; removed: boolean }> {
    const entry = this.prepared.get(fileId);
    if (entry) {
      await this.stop(entry);
      return { fileId, removed: true };
    }
    const file = this.o.files.get(fileId);
    if (!file || file.kind !== 'upload') return { fileId, removed: false };
    const used = this.o.db.prepare('SELECT 1 FROM batches WHERE input_file_id = ? LIMIT 1').get(fileId);
    if (used) throw new ApiError({ code: 'conflict', message: `File ${fileId} is the input of a batch; it is not discarded` });
    this.removeUnsubmitted(file);
    return { fileId, removed: true };
  }

  /**
   * `DELETE /v1/files/{id}` of an upload (the caller has checked no running batch reads it): stops its validation,
   * removes the rows written for a batch that was never created, then the file.
   */
  async deleteUpload(file: FileRow): Promise<void> {
    const entry = this.prepared.get(file.id);
    if (entry) return this.stop(entry);
    this.removeUnsubmitted(file);
  }

  /**
   * After a restart: rows written for uploads that no batch took are deleted (the stored file stays, an
   * ordinary upload a batch can still be created from), and an upload cut off by the crash goes entirely.
   */
  recover(): void {
    const orphans = this.o.db.prepare(`
      SELECT f.* FROM files f WHERE f.kind = 'upload' AND f.batch_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM batches b WHERE b.id = f.batch_id)`).all() as FileRow[];
    for (const file of orphans) {
      this.o.db.prepare('DELETE FROM requests WHERE batch_id = ?').run(file.batch_id);
      this.o.db.prepare('UPDATE files SET batch_id = NULL WHERE id = ?').run(file.id);
      // Hidden = reserved and never revealed: its upload did not complete.
      if (file.deleted !== 0 && file.path) fs.rmSync(file.path, { force: true });
    }
  }

  /** Stops every upload and validation in progress (engine shutdown). */
  async close(): Promise<void> {
    const entries = [...this.prepared.values()];
    for (const e of entries) {
      e.stopUpload?.(new Error('the engine is shutting down'));
      if (!e.report) e.abort.abort();
    }
    await Promise.all(entries.map((e) => Promise.allSettled([e.validation, e.rows])));
  }

  private async stop(entry: Prepared): Promise<void> {
    entry.stopUpload?.(new Error('the upload was discarded'));
    entry.abort.abort();
    // The worker deletes the rows it wrote when it stops; wait for it so nothing is left behind.
    await Promise.allSettled([entry.validation, entry.rows]);
    this.forget(entry);
  }

  private forget(entry: Prepared): void {
    if (entry.claimed) return;
    if (this.prepared.get(entry.fileId) === entry) this.prepared.delete(entry.fileId);
    // The entry's own row: one still arriving is hidden from `files.get`.
    this.removeUnsubmitted(entry.file);
  }

  private removeUnsubmitted(file: FileRow): void {
    if (file.batch_id !== null && !this.o.db.prepare('SELECT 1 FROM batches WHERE id = ?').get(file.batch_id)) {
      this.o.db.prepare('DELETE FROM requests WHERE batch_id = ?').run(file.batch_id);
      this.o.db.prepare('UPDATE files SET batch_id = NULL WHERE id = ?').run(file.id);
    }
    this.o.fileStore.remove(file);
  }

  private uploadFile(fileId: string): FileRow {
    const file = this.o.files.get(fileId);
    if (!file || file.kind !== 'upload' || !file.path) throw new ApiError({ code: 'not_found', message: `No uploaded file with id ${fileId}; upload it with POST /v1/files first` });
    return file;
  }
}
