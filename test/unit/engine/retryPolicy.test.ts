import { describe, expect, it } from 'vitest';
import { backoffMs, decideAfterStatus, DEFAULT_RETRY_LIMITS, parseRetryAfter } from '../../../src-main/core/batches/retryPolicy.ts';

const limits = { ...DEFAULT_RETRY_LIMITS, maxAttempts: 5 };

describe('retry policy', () => {
  it('retries 408, 429 and 5xx but fails other 4xx at once', () => {
    for (const s of [408, 500, 502, 503]) expect(decideAfterStatus(s, null, 0, 0, limits).kind).toBe('retry');
    expect(decideAfterStatus(429, null, 0, 0, limits)).toMatchObject({ kind: 'retry', countsAsFailure: false });
    for (const s of [400, 401, 403, 404, 422]) expect(decideAfterStatus(s, null, 0, 0, limits)).toEqual({ kind: 'fail' });
  });

  it('gives up when the attempts are used up', () => {
    expect(decideAfterStatus(500, null, 3, 0, limits).kind).toBe('retry');
    expect(decideAfterStatus(500, null, 4, 0, limits)).toEqual({ kind: 'fail' });
  });

  it('lets rate limiting wait longer than faults before giving up', () => {
    expect(decideAfterStatus(429, null, 0, 10, limits).kind).toBe('retry');
    expect(decideAfterStatus(429, null, 0, limits.maxRateLimited - 1, limits)).toEqual({ kind: 'fail' });
  });

  it('honours Retry-After in seconds and as an HTTP date', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('soon')).toBeNull();
    const d = decideAfterStatus(429, 3000, 0, 0, limits, () => 0);
    expect(d).toEqual({ kind: 'retry', delayMs: 3000, countsAsFailure: false });
  });

  it('backs off exponentially with jitter inside the cap', () => {
    const lo = () => 0;
    const hi = () => 0.999;
    expect(backoffMs(1, limits, lo)).toBe(limits.baseDelayMs / 2);
    expect(backoffMs(3, limits, hi)).toBeLessThanOrEqual(limits.baseDelayMs * 4);
    expect(backoffMs(3, limits, lo)).toBe(limits.baseDelayMs * 2);
    expect(backoffMs(50, limits, hi)).toBeLessThanOrEqual(limits.maxDelayMs);
  });
});
