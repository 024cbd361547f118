import type { BatchSummary } from '../../../shared/batch.ts';

/** Done counts both outcomes: a failed request is finished too. */
export function doneCount(b: BatchSummary): number {
  return b.counts.completed + b.counts.failed;
}

/** "done / total" in plain digits, the form the batch rows promise. */
export function progressText(b: BatchSummary): string {
  return `${doneCount(b)} / ${b.counts.total}`;
}

export function progressRatio(b: BatchSummary): number | null {
  return b.counts.total > 0 ? doneCount(b) / b.counts.total : null;
}

export function progressTone(b: BatchSummary): 'accent' | 'ok' | 'warn' | 'bad' | 'muted' {
  if (b.status === 'completed') return b.counts.failed > 0 ? 'warn' : 'ok';
  if (b.status === 'failed' || b.status === 'expired') return 'bad';
  if (b.status === 'cancelled' || b.status === 'cancelling' || b.status === 'paused') return 'warn';
  return 'accent';
}
