import type { RequestOutcome, RequestsRepo } from '../store/requestsRepo.ts';

/**
 * Buffers finished requests and writes them in one transaction every 20 ms: one SQLite
 * transaction per request would cap the executor far below the backends' speed.
 */
export class OutcomeWriter {
  private readonly repo: RequestsRepo;
  private buffer: RequestOutcome[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly intervalMs: number;
  private readonly maxBuffered: number;

  constructor(repo: RequestsRepo, intervalMs = 20, maxBuffered = 200) {
    this.repo = repo;
    this.intervalMs = intervalMs;
    this.maxBuffered = maxBuffered;
  }

  push(outcome: RequestOutcome): void {
    this.buffer.push(outcome);
    if (this.buffer.length >= this.maxBuffered) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.intervalMs);
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.repo.recordOutcomes(batch);
  }
}
