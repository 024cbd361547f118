/** OpenAI's batch statuses plus Batchdeck's own `queued` and `paused` (reported as in_progress over HTTP). */
export const BATCH_STATUSES = [
  'validating', 'failed', 'queued', 'in_progress', 'paused', 'finalizing', 'completed', 'expired',
  'cancelling', 'cancelled',
] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

export const ACTIVE_STATUSES: readonly BatchStatus[] = ['validating', 'queued', 'in_progress', 'paused', 'finalizing', 'cancelling'];
export const FAILED_STATUSES: readonly BatchStatus[] = ['failed', 'expired', 'cancelled'];

export const ENDPOINTS = ['/v1/chat/completions', '/v1/completions', '/v1/embeddings', '/v1/responses'] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

/** One validation finding, in OpenAI's `errors.data` shape. */
export interface LineError {
  code: string;
  message: string;
  line: number | null;
  param: string | null;
}

export interface RequestCounts { total: number; completed: number; failed: number }

export interface Throughput {
  requestsPerSecond: number;
  tokensPerSecond: number;
  /** Seconds until the batch is expected to finish, null when unknown. */
  etaSeconds: number | null;
}

export interface BatchSummary {
  id: string;
  name: string;
  status: BatchStatus;
  endpoint: string;
  model: string | null;
  priority: number;
  inputFileId: string;
  outputFileId: string | null;
  errorFileId: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  counts: RequestCounts;
  /** Requests waiting for a backend or for a retry. */
  pending: number;
  inFlight: number;
  usage: { promptTokens: number; completionTokens: number };
  throughput: Throughput;
  errors: LineError[];
  metadata: Record<string, string> | null;
}

export type RequestState = 'pending' | 'succeeded' | 'failed' | 'cancelled';

export interface ResultRow {
  index: number;
  customId: string;
  state: RequestState;
  attempts: number;
  request: unknown;
  statusCode: number | null;
  response: unknown;
  error: { code: string; message: string } | null;
  promptTokens: number | null;
  completionTokens: number | null;
  latencyMs: number | null;
}

export interface BatchLogEntry {
  id: number;
  batchId: string;
  at: number;
  level: 'info' | 'warn' | 'error';
  message: string;
}

export interface ThroughputPoint { at: number; requestsPerSecond: number; tokensPerSecond: number; done: number }

export interface ValidationReport {
  ok: boolean;
  lineCount: number;
  model: string | null;
  endpoint: string | null;
  errors: LineError[];
  /** The first requests of the file, for a preview. */
  preview: { line: number; customId: string; body: unknown }[];
}

export interface BatchEstimate {
  queuePosition: number;
  requestsAhead: number;
  startAt: number | null;
  finishAt: number | null;
  /** What the estimate is based on, in words. */
  basis: string;
  /** Set when a queue limit would refuse this batch now: which limit, in words the operator can act on. */
  queueLimit: QueueLimitRefusal | null;
}

/** Why creation is refused: the setting, its value, and what is queued now. */
export interface QueueLimitRefusal {
  setting: 'maxQueuedBatches' | 'maxQueuedRequests';
  limit: number;
  current: number;
  message: string;
}

/**
 * OpenAI accepts only `24h`; other windows are Batchdeck's documented extension: a number and a unit of
 * m(inutes), h(ours) or d(ays), from 1 minute to 30 days.
 */
export const COMPLETION_WINDOW_PATTERN = /^([1-9]\d{0,4})([mhd])$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const MAX_WINDOW_MS = 30 * 86_400_000;

/** Milliseconds of a completion window, or null when it is not one Batchdeck accepts. */
export function completionWindowMs(window: string): number | null {
  const m = COMPLETION_WINDOW_PATTERN.exec(window);
  if (!m) return null;
  const ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  return ms <= MAX_WINDOW_MS ? ms : null;
}
