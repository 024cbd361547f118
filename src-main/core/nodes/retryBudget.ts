/** Tries of one target in a sliding window, with a growing wait between them. */
export class RetryBudget {
  private tries: number[] = [];
  private nextAt = 0;
  lastError: string | null = null;
  private readonly max: number;
  private readonly windowMs: number;
  private readonly firstRetryMs: number;
  constructor(max: number, windowMs: number, firstRetryMs: number) {
    this.max = max;
    this.windowMs = windowMs;
    this.firstRetryMs = firstRetryMs;
  }

  count(now: number): number {
    this.tries = this.tries.filter((t) => now - t < this.windowMs);
    return this.tries.length;
  }

  exhausted(now: number): boolean {
    return this.count(now) >= this.max;
  }

  waitMs(now: number): number {
    return Math.max(0, this.nextAt - now);
  }

  take(now: number): number {
    this.tries.push(now);
    this.nextAt = now + this.firstRetryMs * 3 ** (this.tries.length - 1);
    return this.count(now);
  }

  reset(): void {
    this.tries = [];
    this.nextAt = 0;
    this.lastError = null;
  }
}
