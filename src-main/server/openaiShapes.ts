import type { BatchSummary } from '../../shared/batch.ts';
import type { FileRow } from '../core/store/filesRepo.ts';

const seconds = (ms: number | null | undefined): number | null => (ms === null || ms === undefined ? null : Math.floor(ms / 1000));

/** Batchdeck's own `queued` and `paused` are `in_progress` to OpenAI clients. */
export function openAiStatus(status: BatchSummary['status']): string {
  return status === 'queued' || status === 'paused' ? 'in_progress' : status;
}

export function fileObject(row: FileRow): Record<string, unknown> {
  return {
    id: row.id,
    object: 'file',
    bytes: row.bytes,
    created_at: seconds(row.created_at),
    expires_at: null,
    filename: row.filename,
    purpose: row.purpose,
    status: 'processed',
    status_details: null,
  };
}

export function batchObject(b: BatchSummary, times: { completion_window?: string; in_progress_at: number | null; finalizing_at: number | null; completed_at: number | null; failed_at: number | null; cancelling_at: number | null; cancelled_at: number | null; expires_at: number | null; expired_at: number | null }): Record<string, unknown> {
  const started = b.status !== 'validating' && b.status !== 'failed';
  return {
    id: b.id,
    object: 'batch',
    endpoint: b.endpoint,
    model: b.model,
    errors: b.errors.length ? { object: 'list', data: b.errors } : null,
    input_file_id: b.inputFileId,
    completion_window: times.completion_window ?? '24h',
    status: openAiStatus(b.status),
    // Output is readable while the batch runs (partial); the error file id appears with the first failure.
    output_file_id: started ? b.outputFileId : null,
    error_file_id: b.counts.failed > 0 ? b.errorFileId : null,
    created_at: seconds(b.createdAt),
    in_progress_at: seconds(times.in_progress_at),
    expires_at: seconds(times.expires_at),
    finalizing_at: seconds(times.finalizing_at),
    completed_at: seconds(times.completed_at),
    failed_at: seconds(times.failed_at),
    expired_at: seconds(times.expired_at),
    cancelling_at: seconds(times.cancelling_at),
    cancelled_at: seconds(times.cancelled_at),
    request_counts: b.counts,
    usage: {
      input_tokens: b.usage.promptTokens,
      output_tokens: b.usage.completionTokens,
      total_tokens: b.usage.promptTokens + b.usage.completionTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens_details: { reasoning_tokens: 0 },
    },
    metadata: b.metadata,
  };
}
