import type { ExecutorStatus, QueueCounts } from '../../../shared/engineState.ts';
import type { AlertSink } from '../events/alertSink.ts';
import type { Db } from '../store/database.ts';
import type { SettingsRepo } from '../store/settingsRepo.ts';
import type { Executor } from './executor.ts';

const HEARTBEAT_MS = 1_000;
/** A timer that fires this late means the engine's event loop was blocked. */
const LAG_ALERT_MS = 2_000;

/** The executor's heartbeat: written to the store, pushed to every view, and watched for stalls. */
export class ExecutorMonitor {
  private timer: NodeJS.Timeout | null = null;
  private last = Date.now();
  private readonly startedAt = Date.now();
  private heartbeatAt = Date.now();
  private lastCompleted = 0;
  private lastProgressAt = Date.now();
  private readonly o: {
    db: Db; executor: Executor; settings: SettingsRepo; alerts: AlertSink; emit: (executor: ExecutorStatus, queue: QueueCounts) => void;
    /** How long a backend may hold requests in flight without finishing any before it is reported stuck (default 90 s). */
    stuckAfterMs?: number;
  };
  /** Backends currently reported stuck (alert keys). */
  private readonly stuck = new Set<string>();

  constructor(o: ExecutorMonitor['o']) {
    this.o = o;
  }

  start(): void {
    this.timer = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private beat(): void {
    const now = Date.now();
    const lag = now - this.last - HEARTBEAT_MS;
    this.last = now;
    this.heartbeatAt = now;
    if (lag > LAG_ALERT_MS) {
      this.o.alerts.raise({ key: 'executor:lag', severity: 'warning', source: 'executor', message: `The engine's event loop was blocked for ${(lag / 1000).toFixed(1)} s; progress shown may have lagged` });
    }
    for (const run of this.o.executor.activeRuns) run.recordPoint(now);
    this.watchStuckBackends(now);
    this.o.settings.putRaw('executor.heartbeat', String(now));
    const status = this.status(now);
    if (status.state === 'stalled') {
      this.o.alerts.raise({ key: 'executor:stalled', severity: 'critical', source: 'executor', message: `Executor stalled: requests are waiting but none has finished for ${Math.round((now - this.lastProgressAt) / 1000)} s and none is in flight. Check the backends.` });
    } else {
      this.o.alerts.clear('executor:stalled');
    }
    this.o.emit(status, this.queue());
  }

  /** Requests in flight that stopped finishing: the "stalled" check above cannot see them (they count as in flight). */
  private watchStuckBackends(now: number): void {
    const after = this.o.stuckAfterMs ?? 90_000;
    const quiet = this.o.executor.quietBackends(now, after);
    const keys = new Set<string>();
    for (const b of quiet) {
      const key = `backend:${b.id}:stuck`;
      keys.add(key);
      this.o.alerts.raise({
        key, severity: 'warning', source: 'backend',
        message: `Backend ${b.name} holds ${b.inFlight} request(s) in flight and none has finished in over ${Math.round(after / 1000)} s: it may hang. Check it (or restart it); the requests go back to the queue if its connections drop or when they time out.`,
      });
    }
    for (const key of this.stuck) if (!keys.has(key)) this.o.alerts.clear(key);
    this.stuck.clear();
    for (const k of keys) this.stuck.add(k);
  }

  status(now = Date.now()): ExecutorStatus {
    const ex = this.o.executor;
    if (ex.completedTotal !== this.lastCompleted || ex.inFlightTotal() > 0) {
      this.lastCompleted = ex.completedTotal;
      this.lastProgressAt = now;
    }
    const runs = ex.activeRuns;
    const working = runs.some((r) => r.status === 'queued' || r.status === 'in_progress');
    let rps = 0;
    let tps = 0;
    for (const r of runs) {
      const x = r.meter.rates(now);
      rps += x.requestsPerSecond;
      tps += x.tokensPerSecond;
    }
    const stalled = working && ex.inFlightTotal() === 0 && now - this.lastProgressAt > 30_000;
    return {
      state: stalled ? 'stalled' : working ? 'running' : 'idle',
      heartbeatAt: this.heartbeatAt,
      startedAt: this.startedAt,
      inFlight: ex.inFlightTotal(),
      requestsPerSecond: Math.round(rps * 100) / 100,
      tokensPerSecond: Math.round(tps * 100) / 100,
    };
  }

  queue(): QueueCounts {
    const rows = this.o.db.prepare('SELECT status, COUNT(*) AS n FROM batches GROUP BY status').all() as { status: string; n: number }[];
    const by = new Map(rows.map((r) => [r.status, r.n]));
    let pending = 0;
    for (const r of this.o.executor.activeRuns) pending += r.pendingCount();
    return {
      queued: (by.get('queued') ?? 0) + (by.get('validating') ?? 0),
      inProgress: (by.get('in_progress') ?? 0) + (by.get('finalizing') ?? 0) + (by.get('cancelling') ?? 0),
      paused: by.get('paused') ?? 0,
      completed: by.get('completed') ?? 0,
      failed: (by.get('failed') ?? 0) + (by.get('expired') ?? 0),
      cancelled: by.get('cancelled') ?? 0,
      pendingRequests: pending,
      inFlightRequests: this.o.executor.inFlightTotal(),
    };
  }
}
