import fs from 'node:fs';
import type { BatchLogEntry, BatchSummary, LineError, ValidationReport } from '../../../shared/batch.ts';
import { ACTIVE_STATUSES, completionWindowMs } from '../../../shared/batch.ts';
import { ApiError } from '../../../shared/contract/index.ts';
import type { ChangeFeed } from '../events/changeFeed.ts';
import type { AlertSink } from '../events/alertSink.ts';
import type { BatchRow, BatchesRepo } from '../store/batchesRepo.ts';
import type { EventsRepo } from '../store/eventsRepo.ts';
import type { FileRow, FilesRepo } from '../store/filesRepo.ts';
import { newId } from '../store/ids.ts';
import type { RequestsRepo } from '../store/requestsRepo.ts';
import { BatchRun } from './batchRun.ts';
import { summarize } from './batchSummary.ts';
import { countRequestLines } from './countRequestLines.ts';
import type { Executor } from './executor.ts';
import type { FileStore } from './fileStore.ts';
import { ingestFile } from './ingest/ingestFile.ts';
import type { QueueLimits } from './queueLimits.ts';
import type { UploadReport } from '../../../shared/upload.ts';

const PROGRESS_EVERY_MS = 250;

export interface CreateBatchInput {
  inputFileId: string;
  endpoint: string;
  completionWindow?: string;
  metadata?: Record<string, string> | null | undefined;
  priority?: number;
  model?: string | undefined;
  name?: string | undefined;
  /** The file's request count when already known (validated), for the queue limit on requests. */
  requestCount?: number | undefined;
}

/** Uploads validated as they arrived (PreparedUploads): a batch created from one takes its result and rows. */
export interface UploadValidations {
  reservedBatchId(fileId: string): string | null;
  claim(fileId: string): { batchId: string; validation: Promise<UploadReport> } | null;
}

/** The code of every request an expired batch did not finish, as OpenAI writes it in the error file. */
export const BATCH_EXPIRED = 'batch_expired';

/** Batch lifecycle: create (validate + queue), pause, resume, cancel, retry failed, finalize, resume after a crash. */
export class BatchService {
  private readonly o: {
    dbPath: string;
    batches: BatchesRepo;
    requests: RequestsRepo;
    events: EventsRepo;
    files: FilesRepo;
    fileStore: FileStore;
    feed: ChangeFeed;
    alerts: AlertSink;
    executor: () => Executor;
    limits: QueueLimits;
    clock: () => number;
  };
  private readonly dirty = new Set<string>();
  private progressTimer: NodeJS.Timeout | null = null;
  private readonly ingesting = new Map<string, Promise<void>>();
  private uploads: UploadValidations | null = null;

  constructor(o: BatchService['o']) {
    this.o = o;
  }

  useUploadValidations(uploads: UploadValidations): void {
    this.uploads = uploads;
  }

  // --- reads used by the lifecycle and by queries -------------------------------------------------

  row(id: string): BatchRow {
    const row = this.o.batches.get(id);
    if (!row) throw new ApiError({ code: 'not_found', message: `No batch with id ${id}` });
    return row;
  }

  exists(id: string): boolean {
    return this.o.batches.get(id) !== undefined;
  }

  summary(id: string): BatchSummary {
    return summarize(this.row(id), this.o.executor().run(id));
  }

  log(batchId: string, level: BatchLogEntry['level'], message: string): void {
    const entry = this.o.events.append(batchId, level, message);
    this.o.feed.emit('batch.log', entry);
  }

  /** Coalesces progress: a batch running at thousands of requests a second emits a few updates a second. */
  markChanged(id: string): void {
    this.dirty.add(id);
    if (!this.progressTimer) this.progressTimer = setTimeout(() => this.emitDirty(), PROGRESS_EVERY_MS);
  }

  private emitDirty(): void {
    this.progressTimer = null;
    const ids = [...this.dirty];
    this.dirty.clear();
    for (const id of ids) {
      const row = this.o.batches.get(id);
      if (row) this.o.feed.emit('batch.updated', summarize(row, this.o.executor().run(id)));
    }
  }

  /** Emits now (status changes must not wait for the coalescing timer). */
  emitNow(id: string): BatchSummary {
    this.dirty.delete(id);
    const s = this.summary(id);
    this.o.feed.emit('batch.updated', s);
    return s;
  }

  // --- create -----------------------------------------------------------------------------------

  async validateContent(name: string, content: string): Promise<ValidationReport> {
    const tmp = this.o.fileStore.tempPath(name);
    fs.writeFileSync(tmp, content);
    try {
      const r = await ingestFile({ filePath: tmp });
      return { ok: r.ok, lineCount: r.lineCount, model: r.model, endpoint: r.endpoint, errors: r.errors, preview: r.preview };
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }

  /** The desktop's submit: validates first and creates nothing when any line is bad. */
  async submitContent(input: { name: string; content: string; model?: string | undefined; priority: number; metadata?: Record<string, string> | undefined; completionWindow?: string | undefined }): Promise<BatchSummary> {
    // A full queue is said before the file is read: no point validating what cannot be queued.
    this.o.limits.enforce(null);
    const report = await this.validateContent(input.name, input.content);
    if (!report.ok) {
      const first = report.errors.slice(0, 5).map((e) => (e.line !== null ? `line ${e.line}: ${e.message}` : e.message)).join('; ');
      throw new ApiError({ code: 'invalid_input', message: `${input.name} has ${report.errors.length} error(s); nothing was queued. ${first}`, issues: report.errors.map((e) => ({ path: e.line !== null ? `line ${e.line}` : '(file)', message: e.message })) });
    }
    const file = this.o.fileStore.saveText(input.name, 'batch', input.content);
    try {
      return this.create({
        inputFileId: file.id, endpoint: report.endpoint ?? '/v1/chat/completions', model: input.model, priority: input.priority, metadata: input.metadata,
        name: input.name, completionWindow: input.completionWindow, requestCount: report.lineCount,
      });
    } catch (err) {
      const saved = this.o.files.get(file.id);
      if (saved) this.o.fileStore.remove(saved);
      throw err;
    }
  }

  /**
   * create() for an uploaded file whose size in requests is not known yet: with a limit on queued requests,
   * its lines are counted first (streamed) so that the limit is enforced when the batch is created.
   */
  async createChecked(input: CreateBatchInput): Promise<BatchSummary> {
    if (input.requestCount === undefined && this.o.limits.requestLimitEnabled) {
      this.o.limits.enforce(null);
      const file = this.o.files.get(input.inputFileId);
      if (file?.path) input = { ...input, requestCount: await countRequestLines(file.path) };
    }
    return this.create(input);
  }

  /** OpenAI's create: the batch exists at once (validating); validation and queuing run in a worker thread. */
  create(input: CreateBatchInput): BatchSummary {
    const file = this.inputFile(input.inputFileId);
    // Validated while it was uploaded: the batch takes the reserved id, under which its rows are written.
    // Claimed only once the row is made: a refusal (queue limit, bad window) leaves it for another try.
    const reserved = this.uploads?.reservedBatchId(file.id) ?? null;
    const row = this.newRow(reserved ?? newId('batch'), input, file.id, file.filename);
    const claimed = reserved === null ? null : this.uploads!.claim(file.id);
    this.o.batches.insert(row);
    this.log(row.id, 'info', `Created from ${file.filename} (${file.bytes} bytes) for ${input.endpoint}; validating`);
    this.startIngest(row.id, file.path, input.model, claimed?.validation);
    return this.emitNow(row.id);
  }

  /**
   * The window's submit: the file was validated and its requests written under `batchId` already
   * (PreparedUploads), so the batch is created queued, without reading the file again.
   */
  createIngested(batchId: string, input: CreateBatchInput & { total: number; fileModel: string | null }): BatchSummary {
    const file = this.inputFile(input.inputFileId);
    const row = this.newRow(batchId, input, file.id, file.filename);
    row.total = input.total;
    row.model = input.model ?? input.fileModel;
    this.o.batches.insert(row);
    this.o.batches.setStatus(batchId, 'queued');
    this.log(batchId, 'info', `Created from ${file.filename} (${file.bytes} bytes, validated on upload): ${input.total} requests for model ${row.model}; queued`);
    this.activate(batchId);
    return this.summary(batchId);
  }

  private inputFile(fileId: string): FileRow & { path: string } {
    const file = this.o.files.get(fileId);
    if (!file || file.kind !== 'upload' || !file.path) throw new ApiError({ code: 'not_found', message: `No input file with id ${fileId}` });
    return file as FileRow & { path: string };
  }

  private newRow(id: string, input: CreateBatchInput, fileId: string, filename: string): BatchRow {
    const window = input.completionWindow ?? '24h';
    const windowMs = completionWindowMs(window);
    if (windowMs === null) throw new ApiError({ code: 'invalid_input', message: `completion_window ${JSON.stringify(window)} is not supported: use 24h (OpenAI), or a number with m, h or d from 1m to 30d, such as 30m, 6h or 7d` });
    this.o.limits.enforce(input.requestCount ?? (input as { total?: number }).total ?? null);
    const now = Date.now();
    return {
      id,
      seq: this.o.batches.nextSeq(),
      name: input.name ?? filename,
      input_file_id: fileId,
      endpoint: input.endpoint,
      completion_window: window,
      model: input.model ?? null,
      status: 'validating',
      priority: input.priority ?? 0,
      metadata: input.metadata ? JSON.stringify(input.metadata) : null,
      errors: null,
      output_file_id: this.o.fileStore.recordGenerated('batch_output', id, `${id}_output.jsonl`),
      error_file_id: this.o.fileStore.recordGenerated('batch_error', id, `${id}_error.jsonl`),
      total: 0,
      completed: 0,
      failed: 0,
      prompt_tokens: 0,
      completion_tokens: 0,
      created_at: now,
      in_progress_at: null,
      finalizing_at: null,
      completed_at: null,
      failed_at: null,
      cancelling_at: null,
      cancelled_at: null,
      // Compared with the engine's clock (expireDue), which a test can move forward; Date.now everywhere else.
      expires_at: now + windowMs,
      expired_at: null,
    };
  }

  private startIngest(id: string, filePath: string, modelOverride: string | undefined, atUpload?: Promise<UploadReport>): void {
    const job = (async () => {
      const row = this.row(id);
      try {
        // A good file validated at upload for this endpoint: its rows are written, nothing is read again.
        // Anything else (bad lines, another endpoint, a failed upload validation) is validated here against the
        // batch's endpoint, so the report is exactly the one it always was.
        const early = atUpload ? await atUpload.catch(() => null) : null;
        const r = early?.ok && early.endpoint === row.endpoint
          ? { ok: true, lineCount: early.lineCount, model: early.model, errors: [] }
          : await this.ingestAgain(id, filePath, row.endpoint);
        if (this.row(id).status !== 'validating') return;
        if (!r.ok) {
          this.o.batches.patch(id, { errors: JSON.stringify(r.errors) });
          this.o.batches.setStatus(id, 'failed');
          const first = r.errors[0];
          this.log(id, 'error', `Validation failed with ${r.errors.length} error(s); nothing was queued. First: ${first ? (first.line !== null ? `line ${first.line}: ` : '') + first.message : 'unknown'}`);
          this.emitNow(id);
          return;
        }
        this.o.batches.patch(id, { total: r.lineCount, model: modelOverride ?? r.model });
        this.o.batches.setStatus(id, 'queued');
        this.log(id, 'info', `Validated ${r.lineCount} requests for model ${modelOverride ?? r.model}; queued`);
        this.activate(id);
      } catch (err) {
        this.o.batches.patch(id, { errors: JSON.stringify([{ code: 'ingest_failed', message: `Could not read the input file: ${(err as Error).message}`, line: null, param: null }]) });
        this.o.batches.setStatus(id, 'failed');
        this.log(id, 'error', `Could not read the input file: ${(err as Error).message}`);
        this.emitNow(id);
      } finally {
        this.ingesting.delete(id);
      }
    })();
    this.ingesting.set(id, job);
  }

  private async ingestAgain(id: string, filePath: string, endpoint: string): Promise<{ ok: boolean; lineCount: number; model: string | null; errors: LineError[] }> {
    this.o.requests.deleteBatch(id);
    return ingestFile({ filePath, dbPath: this.o.dbPath, batchId: id, expectedEndpoint: endpoint });
  }

  /** Waits for ingests in progress (tests and shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.ingesting.values()]);
  }

  private activate(id: string): void {
    const row = this.row(id);
    const file = this.o.files.get(row.input_file_id);
    if (!file?.path) {
      this.o.batches.setStatus(id, 'failed');
      this.log(id, 'error', `Input file ${row.input_file_id} is gone; the batch cannot run`);
      this.emitNow(id);
      return;
    }
    const run = new BatchRun(row, file.path, this.o.requests);
    this.o.executor().add(run);
    this.emitNow(id);
    if (run.isDone() && run.status !== 'paused' && run.status !== 'cancelling') this.finalize(run);
  }

  /** After a restart: every active batch goes back to the executor; nothing finished is sent again. */
  recover(): void {
    for (const row of this.o.batches.withStatus(ACTIVE_STATUSES)) {
      if (row.status === 'validating') {
        const file = this.o.files.get(row.input_file_id);
        this.log(row.id, 'info', 'Engine restarted during validation; validating again');
        if (file?.path) this.startIngest(row.id, file.path, row.model ?? undefined);
        continue;
      }
      if (row.status === 'cancelling') {
        this.o.requests.cancelPending(row.id, Date.now());
        this.o.batches.setStatus(row.id, 'cancelled');
        this.log(row.id, 'info', 'Engine restarted while cancelling; cancelled');
        continue;
      }
      this.log(row.id, 'info', `Engine restarted; resuming with ${row.total - row.completed - row.failed} requests left (${row.completed} already done are kept)`);
      this.activate(row.id);
    }
  }

  // --- executor hooks ---------------------------------------------------------------------------

  finalize(run: BatchRun): void {
    const ex = this.o.executor();
    if (ex.run(run.id) !== run) return;
    ex.flush();
    ex.remove(run.id);
    const counts = this.o.requests.countByState(run.id);
    this.o.batches.setStatus(run.id, 'finalizing');
    this.o.batches.patch(run.id, { completed: counts.succeeded, failed: counts.failed });
    this.o.batches.setStatus(run.id, 'completed');
    const row = this.row(run.id);
    const secs = row.in_progress_at ? ((row.completed_at ?? Date.now()) - row.in_progress_at) / 1000 : 0;
    this.log(run.id, counts.failed > 0 ? 'warn' : 'info', `Completed: ${counts.succeeded} succeeded, ${counts.failed} failed in ${secs.toFixed(1)} s`);
    this.emitNow(run.id);
  }

  // --- expiry ------------------------------------------------------------------------------------

  /** Expires every batch past its expires_at that has not finished (ExpiryWatch calls this every second). */
  expireDue(): void {
    const now = this.o.clock();
    for (const row of this.o.batches.withStatus(['queued', 'in_progress', 'paused'])) {
      if (row.expires_at !== null && row.expires_at <= now) this.expire(row.id);
    }
  }

  /**
   * OpenAI's expiry: requests in flight are aborted, results already in stay in the output file, and every
   * request not finished goes to the error file with code batch_expired. A batch still validating expires at
   * the first check after it is queued.
   */
  expire(id: string): BatchSummary {
    const row = this.row(id);
    if (!['queued', 'in_progress', 'paused'].includes(row.status)) return this.summary(id);
    this.stopRunning(id);
    const at = Date.now();
    const endedAt = new Date(row.expires_at ?? this.o.clock()).toISOString();
    const n = this.o.requests.expirePending(id, BATCH_EXPIRED, `The batch's completion window (${row.completion_window}) ended at ${endedAt} before this request finished; it was not completed`, at);
    const counts = this.o.requests.countByState(id);
    this.o.batches.patch(id, { completed: counts.succeeded, failed: counts.failed });
    this.o.batches.setStatus(id, 'expired', at);
    this.log(id, 'warn', `Expired: the completion window of ${row.completion_window} ended; ${counts.succeeded} results kept in the output file, ${n} unfinished requests written to the error file as ${BATCH_EXPIRED}`);
    return this.emitNow(id);
  }

  /** Takes a batch out of the executor: nothing more is sent, requests in flight are aborted, results so far are written. */
  private stopRunning(id: string): void {
    const ex = this.o.executor();
    const run = ex.run(id);
    if (!run) return;
    run.status = 'cancelling';
    run.clearQueued();
    ex.abortInFlight(run);
    ex.flush();
    ex.remove(id);
  }

  // --- operator actions -------------------------------------------------------------------------

  cancel(id: string): BatchSummary {
    const row = this.row(id);
    if (row.status === 'cancelled' || row.status === 'cancelling') return this.summary(id);
    if (!['validating', 'queued', 'in_progress', 'paused'].includes(row.status)) {
      throw new ApiError({ code: 'conflict', message: `Batch ${id} is ${row.status}; only a batch that has not finished can be cancelled` });
    }
    this.o.batches.setStatus(id, 'cancelling');
    this.emitNow(id);
    this.stopRunning(id);
    const n = this.o.requests.cancelPending(id, Date.now());
    const counts = this.o.requests.countByState(id);
    this.o.batches.patch(id, { completed: counts.succeeded, failed: counts.failed });
    this.o.batches.setStatus(id, 'cancelled');
    this.log(id, 'info', `Cancelled: ${n} requests not sent; ${counts.succeeded} results kept`);
    return this.emitNow(id);
  }

  pause(id: string): BatchSummary {
    const row = this.row(id);
    if (row.status === 'paused') return this.summary(id);
    if (row.status !== 'queued' && row.status !== 'in_progress') throw new ApiError({ code: 'conflict', message: `Batch ${id} is ${row.status}; only a queued or running batch can be paused` });
    const run = this.o.executor().run(id);
    if (run) run.status = 'paused';
    this.o.batches.setStatus(id, 'paused');
    this.log(id, 'info', `Paused; ${run?.inFlight.size ?? 0} requests in flight will finish`);
    return this.emitNow(id);
  }

  resume(id: string): BatchSummary {
    const row = this.row(id);
    if (row.status !== 'paused') throw new ApiError({ code: 'conflict', message: `Batch ${id} is ${row.status}; only a paused batch can be resumed` });
    const next = row.in_progress_at ? 'in_progress' : 'queued';
    this.o.batches.setStatus(id, next);
    const ex = this.o.executor();
    const run = ex.run(id);
    if (run) {
      run.status = next;
      ex.schedulePump();
    } else {
      this.activate(id);
    }
    this.log(id, 'info', 'Resumed');
    return this.emitNow(id);
  }

  retryFailed(id: string): BatchSummary {
    const row = this.row(id);
    if (!['completed', 'in_progress', 'queued', 'paused'].includes(row.status)) {
      throw new ApiError({ code: 'conflict', message: `Batch ${id} is ${row.status}; failed requests can be retried on a running, paused or completed batch` });
    }
    const ex = this.o.executor();
    ex.flush();
    const n = this.o.requests.requeueFailed(id);
    if (n === 0) return this.summary(id);
    this.log(id, 'info', `Retrying ${n} failed requests`);
    const run = ex.run(id);
    if (run) {
      run.failed -= n;
      run.rescan();
      ex.schedulePump();
      return this.emitNow(id);
    }
    this.o.batches.patch(id, { completed_at: null, finalizing_at: null });
    this.o.batches.setStatus(id, 'in_progress');
    this.activate(id);
    return this.summary(id);
  }

  flushProgress(): void {
    if (this.progressTimer) clearTimeout(this.progressTimer);
    this.emitDirty();
  }
}
