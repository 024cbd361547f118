import type { BatchSummary } from '../../../shared/batch.ts';
import { ApiError } from '../../../shared/contract/index.ts';
import type { UploadReport } from '../../../shared/upload.ts';
import type { ChangeFeed } from '../events/changeFeed.ts';
import type { Db } from '../store/database.ts';
import type { FileRow, FilesRepo } from '../store/filesRepo.ts';
import { newId } from '../store/ids.ts';
import type { BatchService } from './batchService.ts';
import type { FileStore } from './fileStore.ts';
import { ingestFile } from './ingest/ingestFile.ts';

interface Prepared {
  fileId: string;
  /** The id the batch will get: the requests are written under it while the file is validated. */
  batchId: string;
  abort: AbortController;
  validation: Promise<UploadReport>;
  report: UploadReport | null;
}

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
 * The reserved batch id is kept in the upload's `files.batch_id`, so cleanup after a crash needs no scan.
 */
export class PreparedUploads {
  private readonly o: { db: Db; dbPath: string; files: FilesRepo; fileStore: FileStore; feed: ChangeFeed; batches: BatchService };
  private readonly prepared = new Map<string, Prepared>();

  constructor(o: PreparedUploads['o']) {
    this.o = o;
  }

  /** Validates a stored upload once (progress on the change feed) and keeps its report for submit. */
  validate(fileId: string): Promise<UploadReport> {
    const existing = this.prepared.get(fileId);
    if (existing) return existing.validation;
    const file = this.uploadFile(fileId);
    if (file.batch_id !== null) {
      throw new ApiError({ code: 'conflict', message: `File ${fileId} was already validated for batch ${file.batch_id}; upload it again to validate it again` });
    }
    const batchId = newId('batch');
    this.o.db.prepare('UPDATE files SET batch_id = ? WHERE id = ?').run(batchId, fileId);
    const abort = new AbortController();
    const started = performance.now();
    const entry: Prepared = { fileId, batchId, abort, report: null, validation: Promise.resolve(null as never) };
    entry.validation = ingestFile({
      filePath: file.path!,
      dbPath: this.o.dbPath,
      batchId,
      signal: abort.signal,
      onProgress: (p) => this.o.feed.emit('upload.progress', {
        fileId, bytesRead: p.bytesRead, totalBytes: p.totalBytes, lines: p.lines, errorCount: p.errorCount,
        firstErrors: p.firstErrors, elapsedMs: Math.round(performance.now() - started),
      }),
    }).then((r) => {
      const report: UploadReport = {
        ok: r.ok, lineCount: r.lineCount, model: r.model, endpoint: r.endpoint, errors: r.errors, preview: r.preview,
        fileId, filename: file.filename, bytes: r.bytes, elapsedMs: Math.round(performance.now() - started),
      };
      entry.report = report;
      this.o.feed.emit('upload.progress', {
        fileId, bytesRead: r.bytes, totalBytes: r.bytes, lines: r.lineCount, errorCount: r.errors.length,
        firstErrors: r.errors.slice(0, 10), elapsedMs: report.elapsedMs,
      });
      return report;
    }, (err: unknown) => {
      this.forget(entry);
      if (abort.signal.aborted) throw new ApiError({ code: 'conflict', message: `Validation of ${file.filename} was cancelled; nothing was kept` });
      throw new ApiError({ code: 'internal', message: `Could not validate ${file.filename}: ${(err as Error).message}` });
    });
    this.prepared.set(fileId, entry);
    return entry.validation;
  }

  /** Creates the batch from a validated upload; the file is neither read nor validated again. */
  submit(input: SubmitPrepared): BatchSummary {
    const entry = this.prepared.get(input.fileId);
    if (!entry) throw new ApiError({ code: 'not_found', message: `File ${input.fileId} has not been validated (or was discarded); drop it on the window again` });
    const report = entry.report;
    if (!report) throw new ApiError({ code: 'conflict', message: `File ${input.fileId} is still being validated; submit it when the report is in` });
    if (!report.ok) {
      throw new ApiError({ code: 'invalid_input', message: `${report.filename} has ${report.errors.length} error(s); nothing was queued. Fix the file and drop it again.` });
    }
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
    return created;
  }

  /** Stops a validation in progress (if any) and removes the upload, its rows and its stored bytes. */
  async discard(fileId: string): Promise<{ fileId: string; removed: boolean }> {
    const entry = this.prepared.get(fileId);
    if (entry) {
      entry.abort.abort();
      // The worker deletes the rows it wrote when it stops; wait for it so nothing is left behind.
      await entry.validation.catch(() => undefined);
      this.forget(entry);
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
    if (entry) {
      entry.abort.abort();
      await entry.validation.catch(() => undefined);
      this.forget(entry);
      return;
    }
    this.removeUnsubmitted(file);
  }

  /** After a restart: uploads validated but never submitted (their draft died with the window) are removed. */
  recover(): void {
    const orphans = this.o.db.prepare(`
      SELECT f.* FROM files f WHERE f.kind = 'upload' AND f.deleted = 0 AND f.batch_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM batches b WHERE b.id = f.batch_id)`).all() as FileRow[];
    for (const file of orphans) this.removeUnsubmitted(file);
  }

  /** Stops every validation in progress (engine shutdown). */
  async close(): Promise<void> {
    const entries = [...this.prepared.values()];
    for (const e of entries) if (!e.report) e.abort.abort();
    await Promise.all(entries.map((e) => e.validation.catch(() => undefined)));
  }

  private forget(entry: Prepared): void {
    this.prepared.delete(entry.fileId);
    const file = this.o.files.get(entry.fileId);
    if (file) this.removeUnsubmitted(file);
  }

  private removeUnsubmitted(file: FileRow): void {
    if (file.batch_id !== null && !this.o.db.prepare('SELECT 1 FROM batches WHERE id = ?').get(file.batch_id)) {
      this.o.db.prepare('DELETE FROM requests WHERE batch_id = ?').run(file.batch_id);
    }
    this.o.fileStore.remove(file);
  }

  private uploadFile(fileId: string): FileRow {
    const file = this.o.files.get(fileId);
    if (!file || file.kind !== 'upload' || !file.path) throw new ApiError({ code: 'not_found', message: `No uploaded file with id ${fileId}; upload it with POST /v1/files first` });
    return file;
  }
}
