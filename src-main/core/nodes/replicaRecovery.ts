import type { AlertSink } from '../events/alertSink.ts';
import type { ClusterLog } from './contracts.ts';
import { clockTime } from './nodeLifecycle.ts';
import type { ReplicaProcess } from './replicaProcess.ts';
import { replicaSpec, type ReplicaService } from './replicaService.ts';
import { RetryBudget } from './retryBudget.ts';

export interface ReplicaRecoveryOptions {
  replicas: ReplicaService;
  alerts: AlertSink;
  log: ClusterLog;
  /** The Settings switch: off, a replica that is gone is not restarted and the alert says what to do. */
  autoRecovery: () => boolean;
  /** Whether the node answers over SSH now (its session is not waiting out a lost link). */
  reachable: (nodeId: string) => boolean;
  nodeName: (nodeId: string) => string;
  maxTries?: number;
  windowMs?: number;
  firstRetryMs?: number;
  stableMs?: number;
}

export const replicaAlertKey = (nodeId: string): string => `replica:${nodeId}:down`;

/**
 * The replicas' part of the cluster reconciler: every wanted replica that does not run is brought back. After
 * an engine restart, a llama-server still running on the node (our pid file names it) is adopted: a new tunnel,
 * /health, the same backend; one that is gone is started again. A replica that dies later is started again
 * too, with the coordinator's backoff and limit (3 tries in 10 minutes by default); with automatic recovery
 * off, nothing is restarted and one alert per replica says what to do. Each replica is handled in the
 * background, so a slow node (SSH timeouts, a model loading) never holds up the rest of the cluster.
 */
export class ReplicaRecovery {
  private readonly o: ReplicaRecoveryOptions & Required<Pick<ReplicaRecoveryOptions, 'maxTries' | 'windowMs' | 'firstRetryMs' | 'stableMs'>>;
  private readonly budgets = new Map<string, RetryBudget>();
  private readonly working = new Set<string>();
  /** Replicas whose "recovery is off" or "gave up" was already written to the log (once, not every pass). */
  private readonly told = new Map<string, string>();

  constructor(options: ReplicaRecoveryOptions) {
    this.o = { maxTries: 3, windowMs: 10 * 60_000, firstRetryMs: 2_000, stableMs: 60_000, ...options };
  }

  /** One pass: starts what needs doing and returns; the work itself runs in the background. */
  reconcile(now: number): void {
    const wanted = this.o.replicas.wanted();
    const ids = new Set(wanted.map((w) => w.nodeId));
    for (const id of [...this.budgets.keys()]) {
      if (ids.has(id)) continue;
      // Stopped by the operator (or its node removed): nothing to bring back, nothing to alert about.
      this.budgets.delete(id);
      this.told.delete(id);
      this.o.alerts.clear(replicaAlertKey(id));
    }
    for (const w of wanted) {
      const p = this.o.replicas.process(w.nodeId);
      if (!p || p.busy || this.working.has(w.nodeId)) continue;
      const budget = this.budgets.get(w.nodeId) ?? new RetryBudget(this.o.maxTries, this.o.windowMs, this.o.firstRetryMs);
      this.budgets.set(w.nodeId, budget);
      const state = p.currentState;
      if (state === 'ready') {
        this.o.alerts.clear(replicaAlertKey(w.nodeId));
        this.told.delete(w.nodeId);
        if (now - p.stateSince > this.o.stableMs) budget.reset();
        continue;
      }
      if (!p.restored && state !== 'exited' && state !== 'error') continue;
      const name = this.o.nodeName(w.nodeId);
      if (!this.o.reachable(w.nodeId)) {
        p.note(p.currentState, `waiting for ${name} to answer over SSH; then its llama-server is ${p.restored ? 'looked for' : 'started again'}`);
        continue;
      }
      this.working.add(w.nodeId);
      void this.act(w.nodeId, name, p, budget, now).finally(() => this.working.delete(w.nodeId));
    }
  }

  private async act(nodeId: string, name: string, p: ReplicaProcess, budget: RetryBudget, now: number): Promise<void> {
    const w = this.o.replicas.wanted().find((x) => x.nodeId === nodeId);
    if (!w) return;
    const spec = replicaSpec(w);
    if (p.restored) {
      const pid = await this.lookOnNode(p, name);
      if (pid === undefined) return;
      if (pid !== null) {
        this.o.log('info', `Replica on ${name}: the engine restarted and its llama-server still runs (pid ${pid}); adopting it (new SSH tunnel, /health, the same backend)`);
        try {
          const info = await p.resume(spec);
          this.o.log('info', `Replica on ${name} adopted: llama-server pid ${info.pid} serves again at ${info.baseUrl}`);
        } catch (err) {
          budget.take(now);
          budget.lastError = (err as Error).message.split('\n')[0] ?? null;
          this.o.log('error', `Adopting the replica on ${name} failed: ${budget.lastError}`);
        }
        return;
      }
      p.restored = false;
      p.downCause = 'its llama-server stopped while the engine was down';
      p.note('exited', `llama-server on ${name} is gone: ${p.downCause}`);
      this.o.log('warn', `Replica on ${name}: the engine restarted and its llama-server is gone (${p.downCause})`);
    }
    const cause = p.downCause ?? 'it is not running';
    if (!this.o.autoRecovery()) {
      const message = `llama-server replica on ${name} stopped unexpectedly: ${cause}. Automatic recovery is off: start it again from the Nodes view or \`batchdeck replicas start --node ${name} --model ${w.model}\`, or turn on automatic recovery in Settings.`;
      this.raise(nodeId, message, 'warn', `Replica on ${name} is down (${cause}) and automatic recovery is off: it is left as it is`);
      p.note(p.currentState, 'automatic recovery is off: start it again (replicas start) or turn recovery on in Settings');
      return;
    }
    if (budget.exhausted(now)) {
      const message = `Automatic recovery gave up on the llama-server replica on ${name} after ${this.o.maxTries} tries in ${Math.round(this.o.windowMs / 60_000)} minutes (last failure: ${budget.lastError ?? cause}). Fix the cause (the replica's log tail is on the Nodes view), then start it again: \`batchdeck replicas start --node ${name} --model ${w.model}\`, or from the Nodes view.`;
      this.raise(nodeId, message, 'error', `Automatic recovery gave up on the replica on ${name} after ${this.o.maxTries} tries`);
      p.note('error', `gave up after ${this.o.maxTries} tries: ${budget.lastError ?? cause}`);
      return;
    }
    const wait = budget.waitMs(now);
    if (wait > 0) {
      p.note(p.currentState, `${cause}; next try at ${clockTime(now + wait)}`);
      return;
    }
    // A node that does not answer over SSH costs no try: the link is waited for, as for the coordinator.
    if ((await this.lookOnNode(p, name)) === undefined) return;
    this.o.alerts.clear(replicaAlertKey(nodeId));
    this.told.delete(nodeId);
    const n = budget.take(now);
    this.o.log('warn', `Replica on ${name} is down (${cause}); starting it again (try ${n} of ${this.o.maxTries})`);
    try {
      const info = await p.resume(spec);
      this.o.log('info', `Replica on ${name} runs again: llama-server pid ${info.pid} at ${info.baseUrl}`);
    } catch (err) {
      budget.lastError = (err as Error).message.split('\n')[0] ?? null;
      this.o.log('error', `Starting the replica on ${name} again failed: ${budget.lastError}`);
    }
  }

  /** The live llama-server's pid on the node, null when there is none, undefined when the node does not answer. */
  private async lookOnNode(p: ReplicaProcess, name: string): Promise<number | null | undefined> {
    try {
      return await p.runningPid();
    } catch (err) {
      p.note(p.currentState, `${name} does not answer over SSH yet (${(err as Error).message}); its llama-server is ${p.restored ? 'looked for' : 'started again'} once it does`);
      return undefined;
    }
  }

  private raise(nodeId: string, message: string, level: 'warn' | 'error', line: string): void {
    this.o.alerts.raise({ key: replicaAlertKey(nodeId), severity: 'critical', source: 'node', message });
    if (this.told.get(nodeId) === line) return;
    this.told.set(nodeId, line);
    this.o.log(level, line);
  }
}
