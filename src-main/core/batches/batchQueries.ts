import fs from 'node:fs';
import type { BatchEstimate, BatchLogEntry, BatchSummary, ResultRow, ThroughputPoint } from '../../../shared/batch.ts';
import { ACTIVE_STATUSES, FAILED_STATUSES } from '../../../shared/batch.ts';
import { ApiError } from '../../../shared/contract/index.ts';
import type { BatchesRepo } from '../store/batchesRepo.ts';
import type { EventsRepo } from '../store/eventsRepo.ts';
import type { FilesRepo } from '../store/filesRepo.ts';
import { RequestStateCode, type RequestRow, type RequestsRepo } from '../store/requestsRepo.ts';
import { summarize } from './batchSummary.ts';
import type { Executor } from './executor.ts';
import type { QueueLimits } from './queueLimits.ts';
import { resultLine } from './resultLines.ts';

const STATE_NAMES = ['pending', 'succeeded', 'failed', 'cancelled'] as const;

/** Read-only views of batches for the window, the HTTP API and the CLI. */
export class BatchQueries {
  private readonly o: { batches: BatchesRepo; requests: RequestsRepo; events: EventsRepo; files: FilesRepo; executor: () => Executor; limits: QueueLimits };
  constructor(o: BatchQueries['o']) {
    this.o = o;
  }

  private row(id: string) {
    const row = this.o.batches.get(id);
    if (!row) throw new ApiError({ code: 'not_found', message: `No batch with id ${id}` });
    return row;
  }

  list(filter: 'active' | 'completed' | 'failed' | 'all', limit: number): BatchSummary[] {
    const ex = this.o.executor();
    const rows = filter === 'active' ? this.o.batches.withStatus(ACTIVE_STATUSES)
      : filter === 'completed' ? this.o.batches.withStatus(['completed'])
        : filter === 'failed' ? this.o.batches.withStatus(FAILED_STATUSES)
          : this.o.batches.all();
    return rows.sort((a, b) => b.seq - a.seq).slice(0, limit).map((r) => summarize(r, ex.run(r.id)));
  }

  results(id: string, opts: { offset: number; limit: number; state: 'all' | 'succeeded' | 'failed' | 'pending' }): { total: number; rows: ResultRow[] } {
    const row = this.row(id);
    this.o.executor().flush();
    const state = opts.state === 'all' ? undefined : RequestStateCode[opts.state];
    const rows = this.o.requests.page(id, { offset: opts.offset, limit: opts.limit, state });
    const file = this.o.files.get(row.input_file_id);
    const fd = file?.path ? safeOpen(file.path) : null;
    try {
      return { total: this.o.requests.count(id, state), rows: rows.map((r) => toResultRow(r, fd)) };
    } finally {
      if (fd !== null) fs.closeSync(fd);
    }
  }

  log(id: string, limit: number): BatchLogEntry[] {
    this.row(id);
    return this.o.events.list(id, limit);
  }

  throughput(id: string): ThroughputPoint[] {
    this.row(id);
    return [...(this.o.executor().run(id)?.history ?? [])];
  }

  /** Output or error file content, in input order; partial while the batch runs. */
  *lines(id: string, kind: 'output' | 'error'): Generator<string> {
    this.row(id);
    this.o.executor().flush();
    const state = kind === 'output' ? RequestStateCode.succeeded : RequestStateCode.failed;
    for (const r of this.o.requests.iterateFinished(id, state)) yield resultLine(r, id);
  }

  download(id: string, kind: 'output' | 'error'): { filename: string; content: string; lines: number } {
    const parts: string[] = [];
    for (const l of this.lines(id, kind)) parts.push(l);
    return { filename: `${id}_${kind}.jsonl`, content: parts.length ? parts.join('\n') + '\n' : '', lines: parts.length };
  }

  compare(a: string, b: string, offset: number, limit: number): { total: number; rows: { customId: string; a: ResultRow | null; b: ResultRow | null }[] } {
    const ra = this.row(a);
    const rb = this.row(b);
    this.o.executor().flush();
    const countA = this.o.requests.count(a);
    const page = this.o.requests.page(a, { offset, limit });
    const fa = this.o.files.get(ra.input_file_id)?.path;
    const fb = this.o.files.get(rb.input_file_id)?.path;
    const fdA = fa ? safeOpen(fa) : null;
    const fdB = fb ? safeOpen(fb) : null;
    try {
      const others = new Map(this.o.requests.byCustomIds(b, page.map((r) => r.custom_id)).map((r) => [r.custom_id, r]));
      const rows = page.map((r) => {
        const o = others.get(r.custom_id);
        return { customId: r.custom_id, a: toResultRow(r, fdA), b: o ? toResultRow(o, fdB) : null };
      });
      return { total: countA, rows };
    } finally {
      if (fdA !== null) fs.closeSync(fdA);
      if (fdB !== null) fs.closeSync(fdB);
    }
  }

  /** Where a new batch would stand, and when it would start and end at the throughput seen now. */
  estimate(requestCount: number, priority: number): BatchEstimate {
    const ex = this.o.executor();
    const ahead = ex.activeRuns.filter((r) => r.status !== 'paused' && r.priority >= priority);
    const requestsAhead = ahead.reduce((n, r) => n + r.pendingCount() + r.inFlight.size, 0);
    const rate = ex.activeRuns.reduce((n, r) => n + r.meter.rates().requestsPerSecond, 0);
    const now = Date.now();
    // Submit shows a full queue before the operator presses it, in the words creation would refuse with.
    const queueLimit = this.o.limits.check(requestCount);
    if (rate <= 0) {
      return {
        queueLimit,
        queuePosition: ahead.length + 1, requestsAhead,
        startAt: requestsAhead === 0 ? now : null, finishAt: null,
        basis: requestsAhead === 0 ? 'Nothing is queued ahead; no throughput measured yet to estimate the finish' : 'No throughput measured yet',
      };
    }
    const startAt = now + (requestsAhead / rate) * 1000;
    return {
      queuePosition: ahead.length + 1, requestsAhead, startAt: Math.round(startAt), finishAt: Math.round(startAt + (requestCount / rate) * 1000),
      basis: `At the current ${rate.toFixed(0)} requests/s across active batches`,
      queueLimit,
    };
  }
}

function safeOpen(p: string): number | null {
  try {
    return fs.openSync(p, 'r');
  } catch {
    return null;
  }
}

function toResultRow(r: RequestRow, fd: number | null): ResultRow {
  let request: unknown = null;
  if (fd !== null) {
    try {
      const buf = Buffer.alloc(r.length);
      fs.readSync(fd, buf, 0, r.length, r.offset);
      request = (JSON.parse(buf.toString('utf8')) as { body?: unknown }).body ?? null;
    } catch {
      request = null;
    }
  }
  let response: unknown = null;
  if (r.response !== null) {
    try {
      response = JSON.parse(r.response);
    } catch {
      response = r.response;
    }
  }
  return {
    index: r.idx,
    customId: r.custom_id,
    state: STATE_NAMES[r.state] ?? 'pending',
    attempts: r.attempts,
    request,
    statusCode: r.status_code,
    response,
    error: r.error_code !== null && r.state !== RequestStateCode.succeeded ? { code: r.error_code, message: r.error_message ?? r.error_code } : null,
    promptTokens: r.prompt_tokens,
    completionTokens: r.completion_tokens,
    latencyMs: r.latency_ms,
  };
}
