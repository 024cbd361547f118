import fs from 'node:fs';
import type { ThroughputPoint } from '../../../shared/batch.ts';
import type { LiveBackend } from '../backends/backendRegistry.ts';
import type { BatchRow } from '../store/batchesRepo.ts';
import type { RequestsRepo } from '../store/requestsRepo.ts';
import { ThroughputMeter } from './throughputMeter.ts';

export interface WorkItem {
  idx: number;
  customId: string;
  offset: number;
  length: number;
  /** Every send, whatever its outcome. */
  attempts: number;
  /** Sends that failed in a way that counts against the request (5xx, 408, timeout). */
  failures: number;
  rateLimited: number;
  connectionErrors: number;
  readyAt: number;
}

const REFILL_BELOW = 512;
const REFILL_COUNT = 2048;
const HISTORY_POINTS = 3600;
/** How much of the input file one read brings in for the requests that follow. */
const READ_AHEAD_BYTES = 256 * 1024;

/** An active batch in the executor: its work queue, its in-flight requests and its live counters. */
export class BatchRun {
  readonly id: string;
  readonly endpoint: string;
  readonly filePath: string;
  model: string | null;
  priority: number;
  status: 'queued' | 'in_progress' | 'paused' | 'cancelling';
  total: number;
  completed: number;
  failed: number;
  promptTokens: number;
  completionTokens: number;
  readonly meter = new ThroughputMeter();
  readonly history: ThroughputPoint[] = [];
  readonly inFlight = new Map<number, { abort: () => void; backend: LiveBackend }>();
  lastDispatchAt = 0;
  waitingSince: number | null = null;
  failuresLogged = 0;

  private fd: number | null = null;
  private ready: WorkItem[] = [];
  private readyHead = 0;
  private retries: WorkItem[] = [];
  private cursor = -1;
  private exhausted = false;
  /** Indexes held in memory (ready, retrying, in flight), so a refill after "retry failed" never loads one twice. */
  private readonly held = new Set<number>();
  private readonly repo: RequestsRepo;

  constructor(row: BatchRow, filePath: string, repo: RequestsRepo) {
    this.id = row.id;
    this.endpoint = row.endpoint;
    this.filePath = filePath;
    this.model = row.model;
    this.priority = row.priority;
    this.status = row.status === 'paused' ? 'paused' : row.status === 'cancelling' ? 'cancelling' : row.status === 'in_progress' ? 'in_progress' : 'queued';
    this.total = row.total;
    this.completed = row.completed;
    this.failed = row.failed;
    this.promptTokens = row.prompt_tokens;
    this.completionTokens = row.completion_tokens;
    this.repo = repo;
  }

  /** Where one request line's bytes are: buf[start, start + item.length), valid until the next read. */
  lineBytes(item: WorkItem): { buf: Buffer; start: number } {
    const end = item.offset + item.length;
    // Requests go out in file order, so one read serves the next few hundred lines: a read per request was a
    // syscall per request on the executor's hot path.
    if (item.offset < this.aheadStart || end > this.aheadEnd) this.readAhead(item.offset, item.length);
    return { buf: this.ahead, start: item.offset - this.aheadStart };
  }

  private ahead = Buffer.alloc(0);
  private aheadStart = 0;
  private aheadEnd = 0;

  private readAhead(offset: number, length: number): void {
    if (this.fd === null) this.fd = fs.openSync(this.filePath, 'r');
    if (this.ahead.length < Math.max(READ_AHEAD_BYTES, length)) this.ahead = Buffer.allocUnsafe(Math.max(READ_AHEAD_BYTES, length));
    let read = 0;
    for (;;) {
      const n = fs.readSync(this.fd, this.ahead, read, this.ahead.length - read, offset + read);
      read += n;
      if (n === 0 || read === this.ahead.length) break;
    }
    this.aheadStart = offset;
    this.aheadEnd = offset + read;
    if (read < length) throw new Error(`input file ${this.filePath} ends before byte ${offset + length}`);
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
    this.ahead = Buffer.alloc(0);
    this.aheadStart = this.aheadEnd = 0;
  }

  private refill(): void {
    if (this.exhausted) return;
    const rows = this.repo.pendingAfter(this.id, this.cursor, REFILL_COUNT);
    for (const r of rows) {
      this.cursor = r.idx;
      if (this.held.has(r.idx)) continue;
      this.held.add(r.idx);
      this.ready.push({ idx: r.idx, customId: r.custom_id, offset: r.offset, length: r.length, attempts: r.attempts, failures: 0, rateLimited: 0, connectionErrors: 0, readyAt: 0 });
    }
    if (rows.length < REFILL_COUNT) this.exhausted = true;
  }

  /** Rescans the store from the start (after failed requests were put back). */
  rescan(): void {
    this.cursor = -1;
    this.exhausted = false;
  }

  readyCount(): number {
    return this.ready.length - this.readyHead;
  }

  hasReadyWork(now: number): boolean {
    this.promoteRetries(now);
    if (this.readyCount() < REFILL_BELOW) this.refill();
    return this.readyCount() > 0;
  }

  take(): WorkItem | undefined {
    const item = this.ready[this.readyHead];
    if (!item) return undefined;
    this.ready[this.readyHead++] = undefined as unknown as WorkItem;
    if (this.readyHead > 4096 && this.readyHead * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.readyHead);
      this.readyHead = 0;
    }
    return item;
  }

  /** Back to the front of the queue, ready at once (the backend went away; the request did nothing wrong). */
  putBack(item: WorkItem): void {
    if (this.readyHead > 0) this.ready[--this.readyHead] = item;
    else this.ready.unshift(item);
  }

  scheduleRetry(item: WorkItem, readyAt: number): void {
    item.readyAt = readyAt;
    this.retries.push(item);
  }

  release(idx: number): void {
    this.held.delete(idx);
  }

  nextRetryAt(): number | null {
    let min: number | null = null;
    for (const r of this.retries) if (min === null || r.readyAt < min) min = r.readyAt;
    return min;
  }

  private promoteRetries(now: number): void {
    if (this.retries.length === 0) return;
    const still: WorkItem[] = [];
    for (const r of this.retries) {
      if (r.readyAt <= now) this.putBack(r);
      else still.push(r);
    }
    this.retries = still;
  }

  pendingCount(): number {
    return Math.max(0, this.total - this.completed - this.failed - this.inFlight.size);
  }

  isDone(): boolean {
    if (this.inFlight.size > 0 || this.retries.length > 0 || this.readyCount() > 0) return false;
    this.refill();
    return this.readyCount() === 0 && this.exhausted;
  }

  /** Drops everything queued in memory (cancel): the store marks those rows cancelled. */
  clearQueued(): void {
    this.ready = [];
    this.readyHead = 0;
    this.retries = [];
    this.exhausted = true;
  }

  recordPoint(now: number): void {
    const { requestsPerSecond, tokensPerSecond } = this.meter.rates(now);
    this.history.push({ at: now, requestsPerSecond, tokensPerSecond, done: this.completed + this.failed });
    if (this.history.length > HISTORY_POINTS) this.history.splice(0, this.history.length - HISTORY_POINTS);
  }
}
