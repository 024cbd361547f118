import { describe, expect, it } from 'vitest';
import { ThroughputMeter } from '../../../src-main/core/batches/throughputMeter.ts';

describe('throughput meter', () => {
  it('reports requests and tokens per second over the window', () => {
    const t0 = 1_000_000;
    const m = new ThroughputMeter(10, t0);
    for (let s = 0; s < 10; s++) m.record(100, 1000, t0 + s * 1000);
    const r = m.rates(t0 + 10_000 - 1);
    expect(r.requestsPerSecond).toBeCloseTo(100, 0);
    expect(r.tokensPerSecond).toBeCloseTo(1000, 0);
  });

  it('forgets what is older than the window, so a stopped batch shows zero', () => {
    const t0 = 2_000_000;
    const m = new ThroughputMeter(10, t0);
    m.record(500, 0, t0);
    expect(m.rates(t0 + 30_000).requestsPerSecond).toBe(0);
  });
});
