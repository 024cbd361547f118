import type { QueueLimitRefusal } from '../../../shared/batch.ts';
import { ApiError } from '../../../shared/contract/index.ts';
import type { Db } from '../store/database.ts';

/** Batches that hold a place in the queue: not finished, whether waiting or running. */
const UNFINISHED = "('validating', 'queued', 'in_progress', 'paused')";

export interface QueueLimitSettings {
  maxQueuedBatches: number;
  maxQueuedRequests: number;
}

/**
 * The operator's queue limits on a shared GPU box: the most unfinished batches and the most requests still
 * to run. 0 means unlimited. Counted from SQLite, so every way in (HTTP, the window, `run`) sees one queue.
 */
export class QueueLimits {
  private readonly db: Db;
  private readonly settings: () => QueueLimitSettings;

  constructor(db: Db, settings: () => QueueLimitSettings) {
    this.db = db;
    this.settings = settings;
  }

  get enabled(): boolean {
    const s = this.settings();
    return s.maxQueuedBatches > 0 || s.maxQueuedRequests > 0;
  }

  get requestLimitEnabled(): boolean {
    return this.settings().maxQueuedRequests > 0;
  }

  /** Unfinished batches, and their requests not yet finished (pending or in flight). */
  current(): { batches: number; requests: number } {
    const r = this.db.prepare(`SELECT COUNT(*) AS batches, COALESCE(SUM(MAX(total - completed - failed, 0)), 0) AS requests FROM batches WHERE status IN ${UNFINISHED}`)
      .get() as { batches: number; requests: number };
    return r;
  }

  /** Why one more batch of `newRequests` requests (null: not known yet) would be refused now, or null. */
  check(newRequests: number | null): QueueLimitRefusal | null {
    const s = this.settings();
    if (s.maxQueuedBatches <= 0 && s.maxQueuedRequests <= 0) return null;
    const now = this.current();
    if (s.maxQueuedBatches > 0 && now.batches >= s.maxQueuedBatches) {
      return {
        setting: 'maxQueuedBatches', limit: s.maxQueuedBatches, current: now.batches,
        message: `Queue limit reached: ${now.batches} ${now.batches === 1 ? 'batch is' : 'batches are'} queued or running and the limit (maxQueuedBatches) is ${s.maxQueuedBatches}. Wait for one to finish, cancel one, or raise the limit in Settings.`,
      };
    }
    const adding = newRequests ?? 0;
    if (s.maxQueuedRequests > 0 && (now.requests >= s.maxQueuedRequests || now.requests + adding > s.maxQueuedRequests)) {
      const what = adding > 0 ? `this batch's ${adding} requests would bring the queue to ${now.requests + adding}` : `${now.requests} ${now.requests === 1 ? 'request is' : 'requests are'} queued`;
      return {
        setting: 'maxQueuedRequests', limit: s.maxQueuedRequests, current: now.requests,
        message: `Queue limit reached: ${what} and the limit (maxQueuedRequests) is ${s.maxQueuedRequests}. Wait for the queue to drain, split the file, or raise the limit in Settings.`,
      };
    }
    return null;
  }

  /** Throws the refusal as a rate_limited ApiError (HTTP 429). */
  enforce(newRequests: number | null): void {
    const refusal = this.check(newRequests);
    if (refusal) throw new ApiError({ code: 'rate_limited', message: refusal.message, issues: [{ path: refusal.setting, message: `limit ${refusal.limit}, now ${refusal.current}` }] });
  }
}
