import type { BackendRegistry, LiveBackend } from '../backends/backendRegistry.ts';
import { endpointUrl } from '../backends/baseUrl.ts';
import { TransportError, type InferenceResponse } from '../backends/inferenceClient.ts';
import type { AlertSink } from '../events/alertSink.ts';
import type { BatchesRepo } from '../store/batchesRepo.ts';
import { RequestStateCode, type RequestOutcome, type RequestsRepo } from '../store/requestsRepo.ts';
import type { BatchRun, WorkItem } from './batchRun.ts';
import { OutcomeWriter } from './outcomeWriter.ts';
import { DEFAULT_RETRY_LIMITS, decideAfterStatus, parseRetryAfter, type RetryLimits } from './retryPolicy.ts';
import { requestBody } from './requestBody.ts';

export interface ExecutorHooks {
  /** A batch's counters or status changed (the caller coalesces). */
  changed(run: BatchRun): void;
  /** A line for the batch's event log. */
  log(batchId: string, level: 'info' | 'warn' | 'error', message: string): void;
  /** Nothing is left to send: the batch may be finalized. */
  drained(run: BatchRun): void;
}

export interface ExecutorOptions {
  batches: BatchesRepo;
  requests: RequestsRepo;
  registry: BackendRegistry;
  alerts: AlertSink;
  hooks: ExecutorHooks;
  limits: () => { maxAttempts: number; requestTimeoutMs: number };
  retryLimits?: Partial<RetryLimits>;
  /** Why work waits when another part of the engine knows better (the coordinator is down and recovering). */
  waitingReason?: (run: BatchRun) => string | null;
}

/** How long a batch may have work and no backend to take it before the operator is told. */
const WAITING_ALERT_MS = 5_000;
const MAX_CONNECTION_ERRORS = 200;
/** The log names this many failed requests per batch; the dead letters hold them all. */
const FAILURES_LOGGED = 100;

/**
 * Keeps every healthy backend's slots full with requests of the active batches: highest priority first,
 * and among equal priority the batch with the fewest requests in flight, so batches share fairly.
 */
export class Executor {
  private readonly runs = new Map<string, BatchRun>();
  private readonly opts: ExecutorOptions;
  private readonly writer: OutcomeWriter;
  private pumpQueued = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryTimerAt = Infinity;
  private closed = false;
  completedTotal = 0;
  /** Per backend: since when none of its requests has finished (reset by every finish, set when it gets its first). */
  private readonly quietSince = new Map<string, number>();

  constructor(opts: ExecutorOptions) {
    this.opts = opts;
    this.writer = new OutcomeWriter(opts.requests);
  }

  get activeRuns(): BatchRun[] {
    return [...this.runs.values()];
  }

  run(id: string): BatchRun | undefined {
    return this.runs.get(id);
  }

  inFlightTotal(): number {
    let n = 0;
    for (const r of this.runs.values()) n += r.inFlight.size;
    return n;
  }

  add(run: BatchRun): void {
    this.runs.set(run.id, run);
    this.schedulePump();
  }

  remove(id: string): void {
    const run = this.runs.get(id);
    if (!run) return;
    this.runs.delete(id);
    run.close();
    this.opts.alerts.clear(`batch:${id}:waiting`);
  }

  /** Aborts every in-flight request of a batch (cancel). Partial results already written stay. */
  abortInFlight(run: BatchRun): void {
    for (const f of run.inFlight.values()) f.abort();
  }

  flush(): void {
    this.writer.flush();
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const run of this.runs.values()) this.abortInFlight(run);
    this.writer.flush();
    for (const run of this.runs.values()) run.close();
  }

  /**
   * Backends holding requests in flight of which none has finished for `quietMs`: a server that hangs keeps
   * its connections open, so its requests count as in flight and nothing else notices until they time out.
   */
  quietBackends(now: number, quietMs: number): { id: string; name: string; inFlight: number; quietMs: number }[] {
    const out: { id: string; name: string; inFlight: number; quietMs: number }[] = [];
    for (const b of this.opts.registry.all()) {
      const since = this.quietSince.get(b.row.id);
      if (b.inFlight > 0 && since !== undefined && now - since >= quietMs) out.push({ id: b.row.id, name: b.row.name, inFlight: b.inFlight, quietMs: now - since });
    }
    return out;
  }

  schedulePump(): void {
    if (this.pumpQueued || this.closed) return;
    this.pumpQueued = true;
    queueMicrotask(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  private eligible(backend: LiveBackend, run: BatchRun): boolean {
    if (run.model === null || backend.models.length === 0) return true;
    return backend.models.includes(run.model);
  }

  private pump(): void {
    if (this.closed) return;
    const now = Date.now();
    const backends = this.opts.registry.all().filter((b) => b.health === 'up' && b.row.enabled);
    const candidates = [...this.runs.values()].filter((r) => (r.status === 'queued' || r.status === 'in_progress') && r.hasReadyWork(now));
    if (candidates.length > 0) {
      for (const b of backends) {
        let free = b.row.max_concurrency - b.inFlight;
        while (free > 0) {
          const run = this.pick(b, candidates, now);
          if (!run) break;
          const item = run.take();
          if (!item) break;
          this.send(run, item, b);
          free--;
        }
      }
    }
    this.watchWaiting(now, backends);
    this.armRetryTimer();
  }

  private pick(b: LiveBackend, candidates: BatchRun[], now: number): BatchRun | undefined {
    let best: BatchRun | undefined;
    for (const r of candidates) {
      if (!this.eligible(b, r) || !r.hasReadyWork(now)) continue;
      if (
        !best ||
        r.priority > best.priority ||
        (r.priority === best.priority && (r.inFlight.size < best.inFlight.size || (r.inFlight.size === best.inFlight.size && r.lastDispatchAt < best.lastDispatchAt)))
      ) best = r;
    }
    return best;
  }

  /** A batch with work that no healthy backend can take is reported once, and cleared when it moves again. */
  private watchWaiting(now: number, healthy: LiveBackend[]): void {
    for (const run of this.runs.values()) {
      const active = run.status === 'queued' || run.status === 'in_progress';
      const stuck = active && run.inFlight.size === 0 && run.readyCount() > 0 && !healthy.some((b) => this.eligible(b, run));
      if (!stuck) {
        if (run.waitingSince !== null) {
          run.waitingSince = null;
          this.opts.alerts.clear(`batch:${run.id}:waiting`);
        }
        continue;
      }
      if (run.waitingSince === null) {
        run.waitingSince = now;
        setTimeout(() => this.schedulePump(), WAITING_ALERT_MS + 50).unref();
      } else if (now - run.waitingSince >= WAITING_ALERT_MS) {
        const all = this.opts.registry.all();
        const why = this.opts.waitingReason?.(run) ?? (all.length === 0
          ? 'no backend is configured: add one under Backends (or start the built-in simulator)'
          : `no healthy backend serves model ${run.model ?? '(any)'} (backends: ${all.map((b) => `${b.row.name} ${b.health}${b.models.length ? ` [${b.models.join(', ')}]` : ''}`).join('; ')})`);
        this.opts.alerts.raise({ key: `batch:${run.id}:waiting`, severity: 'warning', source: 'batch', message: `Batch ${run.id} is waiting: ${why}` });
      }
    }
  }

  private armRetryTimer(): void {
    let next = Infinity;
    for (const r of this.runs.values()) {
      const at = r.nextRetryAt();
      if (at !== null && at < next) next = at;
    }
    if (next === Infinity || next >= this.retryTimerAt) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimerAt = next;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.retryTimerAt = Infinity;
      this.pump();
    }, Math.max(0, next - Date.now()));
  }

  private send(run: BatchRun, item: WorkItem, backend: LiveBackend): void {
    const now = Date.now();
    if (run.status === 'queued') {
      run.status = 'in_progress';
      this.opts.batches.setStatus(run.id, 'in_progress', now);
      this.opts.hooks.log(run.id, 'info', `Started: ${run.total} requests, first sent to ${backend.row.name}`);
      this.opts.hooks.changed(run);
    }
    run.lastDispatchAt = now;
    item.attempts++;
    let body: Buffer | string;
    try {
      const { buf, start } = run.lineBytes(item);
      body = requestBody(buf, start, start + item.length, run.model);
    } catch (err) {
      this.finish(run, item, failOutcome(run, item, 'input_unreadable', `Could not read request ${item.customId} from the input file: ${(err as Error).message}`));
      return;
    }
    if (backend.inFlight === 0) this.quietSince.set(backend.row.id, now);
    backend.inFlight++;
    const started = performance.now();
    const call = backend.client.start({ url: this.urlFor(backend, run.endpoint), body, apiKey: backend.row.api_key, timeoutMs: this.opts.limits().requestTimeoutMs });
    run.inFlight.set(item.idx, { abort: call.abort, backend });
    call.response
      .then(
        (res) => this.onResponse(run, item, backend, res, performance.now() - started),
        (err: unknown) => this.onTransportError(run, item, backend, err),
      )
      .finally(() => {
        this.quietSince.set(backend.row.id, Date.now());
        backend.inFlight--;
        run.inFlight.delete(item.idx);
        this.afterRequest(run);
      });
  }

  private readonly urls = new Map<string, URL>();

  private urlFor(backend: LiveBackend, endpoint: string): URL {
    const key = `${backend.row.base_url} ${endpoint}`;
    let url = this.urls.get(key);
    if (!url) {
      url = new URL(endpointUrl(backend.row.base_url, endpoint));
      this.urls.set(key, url);
    }
    return url;
  }

  private afterRequest(run: BatchRun): void {
    if (this.runs.get(run.id) === run && run.status !== 'cancelling' && run.isDone()) this.opts.hooks.drained(run);
    this.schedulePump();
  }

  private limits(): RetryLimits {
    return { ...DEFAULT_RETRY_LIMITS, ...this.opts.retryLimits, maxAttempts: this.opts.limits().maxAttempts };
  }

  private onResponse(run: BatchRun, item: WorkItem, backend: LiveBackend, res: InferenceResponse, latencyMs: number): void {
    if (run.status === 'cancelling' || this.closed) return;
    if (res.statusCode >= 200 && res.statusCode < 300) {
      backend.requestsServed++;
      const { usage, text } = readBody(res.body);
      this.finish(run, item, {
        batchId: run.id, idx: item.idx, state: RequestStateCode.succeeded, attempts: item.attempts, statusCode: res.statusCode,
        requestId: requestIdOf(res), response: text, errorCode: null, errorMessage: null,
        promptTokens: usage.prompt, completionTokens: usage.completion, latencyMs: Math.round(latencyMs), finishedAt: Date.now(),
      });
      return;
    }
    const decision = decideAfterStatus(res.statusCode, parseRetryAfter(res.headers['retry-after']), item.failures, item.rateLimited, this.limits());
    if (decision.kind === 'retry') {
      if (decision.countsAsFailure) item.failures++;
      else item.rateLimited++;
      run.scheduleRetry(item, Date.now() + decision.delayMs);
      return;
    }
    const reason = res.statusCode === 429 || res.statusCode === 408 || res.statusCode >= 500
      ? `gave up after ${item.attempts} attempts; last answer HTTP ${res.statusCode} from ${backend.row.name}`
      : `HTTP ${res.statusCode} from ${backend.row.name}: the backend refused the request (not retried)`;
    this.finish(run, item, {
      batchId: run.id, idx: item.idx, state: RequestStateCode.failed, attempts: item.attempts, statusCode: res.statusCode,
      requestId: requestIdOf(res), response: readBody(res.body).text, errorCode: res.statusCode >= 500 || res.statusCode === 429 || res.statusCode === 408 ? 'retries_exhausted' : 'request_rejected',
      errorMessage: reason, promptTokens: null, completionTokens: null, latencyMs: Math.round(latencyMs), finishedAt: Date.now(),
    });
  }

  private onTransportError(run: BatchRun, item: WorkItem, backend: LiveBackend, err: unknown): void {
    if (this.closed) return;
    const e = err instanceof TransportError ? err : new TransportError('EUNKNOWN', String((err as Error)?.message ?? err), false);
    if (e.code === 'ABORTED' || run.status === 'cancelling') return;
    if (e.connection) {
      // The backend went away: this is not the request's fault, so it keeps its attempts and waits for the backend.
      item.attempts--;
      item.connectionErrors++;
      this.opts.registry.markDown(backend, `${e.code}: ${e.message}`);
      if (item.connectionErrors < MAX_CONNECTION_ERRORS) {
        run.putBack(item);
        return;
      }
    } else {
      item.failures++;
      if (item.failures < this.limits().maxAttempts) {
        run.scheduleRetry(item, Date.now() + this.limits().baseDelayMs * 2 ** Math.min(item.failures, 6));
        return;
      }
    }
    const code = e.code === 'ETIMEDOUT' ? 'timeout' : 'connection_error';
    this.finish(run, item, failOutcome(run, item, code, `gave up after ${item.attempts} attempts; last error from ${backend.row.name}: ${e.message}`));
  }

  private finish(run: BatchRun, item: WorkItem, outcome: RequestOutcome): void {
    run.release(item.idx);
    if (outcome.state === RequestStateCode.succeeded) run.completed++;
    else run.failed++;
    const tokens = (outcome.promptTokens ?? 0) + (outcome.completionTokens ?? 0);
    run.promptTokens += outcome.promptTokens ?? 0;
    run.completionTokens += outcome.completionTokens ?? 0;
    run.meter.record(1, outcome.completionTokens ?? tokens);
    this.completedTotal++;
    this.writer.push(outcome);
    if (outcome.state === RequestStateCode.failed) {
      run.failuresLogged++;
      if (run.failuresLogged <= FAILURES_LOGGED) this.opts.hooks.log(run.id, 'warn', `Request ${item.customId} (line ${item.idx + 1}) failed: ${outcome.errorMessage}`);
      else if (run.failuresLogged === FAILURES_LOGGED + 1) this.opts.hooks.log(run.id, 'warn', `More requests failed; they are not logged one by one. The dead letters list every one with its reason.`);
    }
    this.opts.hooks.changed(run);
    if (!run.inFlight.has(item.idx) && run.isDone()) this.opts.hooks.drained(run);
  }
}

function failOutcome(run: BatchRun, item: WorkItem, code: string, message: string): RequestOutcome {
  return {
    batchId: run.id, idx: item.idx, state: RequestStateCode.failed, attempts: item.attempts, statusCode: null, requestId: null, response: null,
    errorCode: code, errorMessage: message, promptTokens: null, completionTokens: null, latencyMs: null, finishedAt: Date.now(),
  };
}

function requestIdOf(res: InferenceResponse): string | null {
  const h = res.headers['x-request-id'];
  return (Array.isArray(h) ? h[0] : h) ?? null;
}

/**
 * Stored responses are JSON text, so output lines can be built without re-encoding; a body that is not JSON
 * is kept as a JSON string so those lines stay valid.
 */
function readBody(body: string): { text: string; usage: { prompt: number | null; completion: number | null } } {
  try {
    const u = (JSON.parse(body) as { usage?: Record<string, unknown> | null } | null)?.usage;
    // Chat, completions and embeddings count prompt/completion tokens; /v1/responses counts input/output tokens.
    const prompt = u?.prompt_tokens ?? u?.input_tokens;
    const completion = u?.completion_tokens ?? u?.output_tokens;
    return {
      text: body,
      usage: {
        prompt: typeof prompt === 'number' ? prompt : null,
        completion: typeof completion === 'number' ? completion : null,
      },
    };
  } catch {
    return { text: JSON.stringify(body), usage: { prompt: null, completion: null } };
  }
}
