import type { BatchSummary } from '../../shared/batch.ts';

/** Where progress goes: a terminal gets one redrawn bar, anything else (a pipe, a log file) plain lines. */
export interface ProgressSink {
  write(text: string): void;
  isTTY: boolean;
  columns?: number | undefined;
}

const PLAIN_EVERY_MS = 2_000;

/** Formats seconds as 1h02m, 3m05s or 12s. */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '--';
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** done/total, percent, req/s and ETA: the words both the bar and the plain lines use. */
export function progressFacts(b: BatchSummary): string {
  const done = b.counts.completed + b.counts.failed;
  const total = b.counts.total;
  const pct = total > 0 ? Math.floor((done / total) * 100) : 0;
  const failed = b.counts.failed > 0 ? `, ${b.counts.failed} failed` : '';
  return `${done}/${total} (${pct}%${failed}) ${b.throughput.requestsPerSecond.toFixed(1)} req/s ETA ${formatEta(b.throughput.etaSeconds)}`;
}

/** One bar line for a terminal of `columns` width (without the carriage return). */
export function progressBar(b: BatchSummary, columns: number): string {
  const facts = progressFacts(b);
  const done = b.counts.completed + b.counts.failed;
  const width = Math.max(10, Math.min(40, columns - facts.length - 4));
  const filled = b.counts.total > 0 ? Math.round((done / b.counts.total) * width) : 0;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${facts}`;
}

/** Shows a running batch's progress on a terminal (redrawn in place) or as plain lines every few seconds. */
export class RunProgress {
  private readonly sink: ProgressSink;
  private lastPlainAt = 0;
  private lastPlain = '';
  private drawn = false;

  constructor(sink: ProgressSink) {
    this.sink = sink;
  }

  update(b: BatchSummary, now = Date.now()): void {
    if (this.sink.isTTY) {
      // \r and erase-to-end-of-line: one line redrawn, no scrolling.
      this.sink.write(`\r${progressBar(b, this.sink.columns ?? 80)}\x1b[K`);
      this.drawn = true;
      return;
    }
    const line = progressFacts(b);
    if (now - this.lastPlainAt < PLAIN_EVERY_MS || line === this.lastPlain) return;
    this.lastPlainAt = now;
    this.lastPlain = line;
    this.sink.write(`progress ${line}\n`);
  }

  /** Ends the bar's line so that what follows starts on its own line. */
  finish(b: BatchSummary): void {
    if (this.sink.isTTY) {
      this.sink.write(`\r${progressBar(b, this.sink.columns ?? 80)}\x1b[K\n`);
    } else if (progressFacts(b) !== this.lastPlain) {
      this.sink.write(`progress ${progressFacts(b)}\n`);
    }
    this.drawn = false;
  }

  /** Before another message: a terminal's bar line is ended first so the message is not drawn over it. */
  message(text: string): void {
    if (this.sink.isTTY && this.drawn) this.sink.write('\n');
    this.drawn = false;
    this.sink.write(text.endsWith('\n') ? text : text + '\n');
  }
}
