import type { BatchSummary, LineError } from '../../../shared/batch.ts';
import type { BatchRow } from '../store/batchesRepo.ts';
import type { BatchRun } from './batchRun.ts';

/** The view of a batch every consumer gets; live counters from the executor win over the last flush. */
export function summarize(row: BatchRow, run: BatchRun | undefined, now = Date.now()): BatchSummary {
  const completed = run?.completed ?? row.completed;
  const failed = run?.failed ?? row.failed;
  const rates = run ? run.meter.rates(now) : { requestsPerSecond: 0, tokensPerSecond: 0 };
  const remaining = Math.max(0, row.total - completed - failed);
  const inFlight = run?.inFlight.size ?? 0;
  let etaSeconds: number | null = null;
  if (run && remaining > 0 && rates.requestsPerSecond > 0) etaSeconds = remaining / rates.requestsPerSecond;
  if (remaining === 0 && run) etaSeconds = 0;
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    endpoint: row.endpoint,
    model: row.model,
    priority: row.priority,
    inputFileId: row.input_file_id,
    outputFileId: row.output_file_id,
    errorFileId: row.error_file_id,
    createdAt: row.created_at,
    startedAt: row.in_progress_at,
    finishedAt: row.completed_at ?? row.failed_at ?? row.cancelled_at ?? row.expired_at ?? null,
    counts: { total: row.total, completed, failed },
    pending: Math.max(0, remaining - inFlight),
    inFlight,
    usage: { promptTokens: run?.promptTokens ?? row.prompt_tokens, completionTokens: run?.completionTokens ?? row.completion_tokens },
    throughput: { requestsPerSecond: round2(rates.requestsPerSecond), tokensPerSecond: round2(rates.tokensPerSecond), etaSeconds: etaSeconds === null ? null : Math.round(etaSeconds) },
    errors: row.errors ? (JSON.parse(row.errors) as LineError[]) : [],
    metadata: row.metadata ? (JSON.parse(row.metadata) as Record<string, string>) : null,
  };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
