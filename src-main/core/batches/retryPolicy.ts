/** What to do with a request after one try. */
export type RetryDecision =
  | { kind: 'retry'; delayMs: number; countsAsFailure: boolean }
  | { kind: 'fail' };

export interface RetryLimits {
  maxAttempts: number;
  /** 429s are the backend asking us to slow down, not a fault of the request: they get their own, larger budget. */
  maxRateLimited: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_LIMITS: RetryLimits = { maxAttempts: 5, maxRateLimited: 30, baseDelayMs: 250, maxDelayMs: 30_000 };

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Retry-After as seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return null;
  const secs = Number(v);
  if (Number.isFinite(secs) && secs >= 0) return Math.min(secs * 1000, 3_600_000);
  const at = Date.parse(v);
  if (Number.isFinite(at)) return Math.max(0, Math.min(at - now, 3_600_000));
  return null;
}

/** Exponential backoff with jitter (half fixed, half random) so retries of many requests spread out. */
export function backoffMs(failures: number, limits: RetryLimits, random = Math.random): number {
  const exp = Math.min(limits.maxDelayMs, limits.baseDelayMs * 2 ** Math.max(0, failures - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

export function decideAfterStatus(
  status: number,
  retryAfter: number | null,
  failuresSoFar: number,
  rateLimitedSoFar: number,
  limits: RetryLimits,
  random = Math.random,
): RetryDecision {
  if (!isRetryableStatus(status)) return { kind: 'fail' };
  if (status === 429) {
    if (rateLimitedSoFar + 1 >= limits.maxRateLimited) return { kind: 'fail' };
    const jitter = Math.round(random() * limits.baseDelayMs);
    return { kind: 'retry', delayMs: (retryAfter ?? backoffMs(rateLimitedSoFar + 1, limits, random)) + jitter, countsAsFailure: false };
  }
  if (failuresSoFar + 1 >= limits.maxAttempts) return { kind: 'fail' };
  const delay = retryAfter !== null ? retryAfter + Math.round(random() * limits.baseDelayMs) : backoffMs(failuresSoFar + 1, limits, random);
  return { kind: 'retry', delayMs: delay, countsAsFailure: true };
}
