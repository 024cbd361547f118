/** Requests and tokens finished per second over a sliding window of one-second buckets. */
export class ThroughputMeter {
  private readonly windowSec: number;
  private readonly reqs: Float64Array;
  private readonly toks: Float64Array;
  private readonly stamps: Float64Array;
  private readonly startedAt: number;

  constructor(windowSec = 10, now = Date.now()) {
    this.windowSec = windowSec;
    this.reqs = new Float64Array(windowSec);
    this.toks = new Float64Array(windowSec);
    this.stamps = new Float64Array(windowSec).fill(-1);
    this.startedAt = now;
  }

  record(requests: number, tokens: number, now = Date.now()): void {
    const sec = Math.floor(now / 1000);
    const slot = sec % this.windowSec;
    if (this.stamps[slot] !== sec) {
      this.stamps[slot] = sec;
      this.reqs[slot] = 0;
      this.toks[slot] = 0;
    }
    this.reqs[slot]! += requests;
    this.toks[slot]! += tokens;
  }

  rates(now = Date.now()): { requestsPerSecond: number; tokensPerSecond: number } {
    const sec = Math.floor(now / 1000);
    let r = 0;
    let t = 0;
    for (let i = 0; i < this.windowSec; i++) {
      const s = this.stamps[i]!;
      if (s >= 0 && sec - s < this.windowSec) {
        r += this.reqs[i]!;
        t += this.toks[i]!;
      }
    }
    // Before a full window has passed, divide by the time actually observed.
    const span = Math.min(this.windowSec, Math.max(1, (now - this.startedAt) / 1000));
    return { requestsPerSecond: r / span, tokensPerSecond: t / span };
  }
}
