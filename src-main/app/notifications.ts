import type { BatchStatus, BatchSummary } from '../../shared/batch.ts';
import type { EventName, EventPayload } from '../../shared/contract/index.ts';

/** The statuses an operator wants to hear about without watching the window. */
const NOTIFY_ON: ReadonlySet<BatchStatus> = new Set<BatchStatus>(['completed', 'failed']);

export interface BatchNotice {
  batchId: string;
  title: string;
  body: string;
}

export interface BatchNotifierDeps {
  /** Shows the native notification (Electron's Notification in main.ts; a spy in tests). */
  show(notice: BatchNotice): void;
  /** settings.notifications, read at the moment of the transition. */
  enabled(): boolean;
}

/**
 * Turns the feed's `batch.updated` events into one notification per transition into completed or failed.
 * Progress events repeat the same status many times, so the last status seen per batch is remembered and
 * only a change fires. Batches already finished when the app started are seeded and never announced.
 */
export class BatchNotifier {
  private readonly lastStatus = new Map<string, BatchStatus>();
  private readonly deps: BatchNotifierDeps;

  constructor(deps: BatchNotifierDeps) {
    this.deps = deps;
  }

  /**
   * Records the statuses at start (from the engine's list) so old results do not notify again. A batch the
   * feed already reported keeps that newer status.
   */
  seed(batches: readonly Pick<BatchSummary, 'id' | 'status'>[]): void {
    for (const b of batches) if (!this.lastStatus.has(b.id)) this.lastStatus.set(b.id, b.status);
  }

  /** A change-feed listener: pass it to `feed.subscribe`. */
  readonly onEvent = <E extends EventName>(name: E, payload: EventPayload<E>): void => {
    if (name === 'batch.updated') this.onBatch(payload as EventPayload<'batch.updated'>);
    else if (name === 'batch.removed') this.lastStatus.delete((payload as EventPayload<'batch.removed'>).id);
  };

  private onBatch(batch: BatchSummary): void {
    const previous = this.lastStatus.get(batch.id);
    this.lastStatus.set(batch.id, batch.status);
    if (previous === batch.status || !NOTIFY_ON.has(batch.status)) return;
    if (!this.deps.enabled()) return;
    this.deps.show(describe(batch));
  }
}

function describe(batch: BatchSummary): BatchNotice {
  const { total, completed, failed } = batch.counts;
  const label = batch.name || batch.id;
  if (batch.status === 'completed') {
    const failures = failed > 0 ? `, ${failed} failed` : '';
    return { batchId: batch.id, title: `Batch completed: ${label}`, body: `${completed} / ${total} requests succeeded${failures}.` };
  }
  const reason = batch.errors[0]?.message;
  return {
    batchId: batch.id,
    title: `Batch failed: ${label}`,
    body: reason ? truncate(reason, 200) : `${completed} / ${total} requests done, ${failed} failed.`,
  };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
