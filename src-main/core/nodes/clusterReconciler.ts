import type { AlertSink } from '../events/alertSink.ts';
import type { ClusterDesiredState } from './clusterDesiredState.ts';
import type { ClusterLog } from './contracts.ts';
import { WORKER_LOST_ALERT, nodeLost, type CoordinatorControl } from './coordinatorControl.ts';
import { endLeftoverCoordinator, leftoverCoordinatorRuns } from './leftoverCoordinator.ts';
import { recoveryOffAdvice, startItHint, withoutWhere } from './nodeDownAlert.ts';
import { clockTime, downAlertKey, raiseDownAlert, startNode, type LifecycleContext } from './nodeLifecycle.ts';
import type { NodeRuntime } from './nodeRuntime.ts';
import { RetryBudget } from './retryBudget.ts';

export interface ReconcilerOptions {
  desired: ClusterDesiredState;
  nodes: () => NodeRuntime[];
  control: CoordinatorControl;
  ctx: LifecycleContext;
  alerts: AlertSink;
  log: ClusterLog;
  /** The Settings switch: off, nothing is restarted and the alert says what to do. */
  autoRecovery: () => boolean;
  intervalMs?: number;
  /** Tries per target within `windowMs` before giving up (default 3 in 10 minutes). */
  maxTries?: number;
  windowMs?: number;
  /** Wait before the second try; each later wait is three times longer. */
  firstRetryMs?: number;
  /** How long the coordinator waits for all its nodes before it starts over those that answer. */
  partialAfterMs?: number;
  /** Running this long counts as recovered: the tries are forgotten. */
  stableMs?: number;
}

const GAVE_UP_COORDINATOR = 'cluster:gave-up:coordinator';
const OFF_COORDINATOR = 'cluster:recovery-off:coordinator';
const RESTART_HINT = 'batchdeck coordinator restart, or Restart on the Nodes view';

function ago(since: number, now: number): string {
  const s = Math.max(0, Math.round((now - since) / 1000));
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}

/**
 * The controller of DESIGN section 7: compares the stored desired state (which nodes run rpc-server,
 * whether the coordinator runs, over which nodes) with what runs, and acts: restarts rpc-server where it
 * died, stops a coordinator that lost a worker (its requests would hang or fail), and starts the coordinator
 * again over the nodes chosen at start once they answer. With backoff and a limit per target; every action
 * is a line in the cluster log. After an engine restart it first ends the llama-server the previous engine
 * left behind (its tunnels died with that engine).
 */
export class ClusterReconciler {
  private readonly o: Required<Omit<ReconcilerOptions, 'desired' | 'nodes' | 'control' | 'ctx' | 'alerts' | 'log' | 'autoRecovery'>> & ReconcilerOptions;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private closed = false;
  private readonly nodeBudgets = new Map<string, RetryBudget>();
  private readonly coordinatorBudget: RetryBudget;
  /** When the coordinator was last seen down while it should run. */
  private downSince: number | null = null;
  /** Other kinds of managed process (replicas), reconciled on the same pass. */
  private readonly steps: ((now: number) => void | Promise<void>)[] = [];

  constructor(options: ReconcilerOptions) {
    this.o = {
      intervalMs: 1_000, maxTries: 3, windowMs: 10 * 60_000, firstRetryMs: 2_000, partialAfterMs: 120_000, stableMs: 60_000,
      ...options,
    };
    this.coordinatorBudget = this.budget();
  }

  async start(): Promise<void> {
    await this.endLeftover();
    if (this.closed) return;
    this.timer = setInterval(() => void this.tick(), this.o.intervalMs);
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
  }

  /** An operator's own start or restart: the automatic tries start counting again. */
  resetCoordinator(): void {
    this.coordinatorBudget.reset();
    this.downSince = null;
    this.o.alerts.clear(GAVE_UP_COORDINATOR);
  }

  resetNode(id: string): void {
    this.nodeBudgets.get(id)?.reset();
  }

  forgetNode(id: string): void {
    this.nodeBudgets.delete(id);
  }

  /**
   * The node's one down alert, written for what happens next (recovery off, or given up): the crash it reports
   * and the advice in one message, not a second alert repeating the first.
   */
  private raiseNodeDown(rt: NodeRuntime, advice: string): void {
    const name = rt.record.name;
    const happened = rt.downCause
      ? `rpc-server on ${name} stopped unexpectedly: ${rt.downCause}`
      : `rpc-server on ${name} is not running${rt.message ? ` (${withoutWhere(rt.message, rt.where)})` : ''}`;
    this.o.alerts.raise({ key: downAlertKey(rt.record.id), severity: 'critical', source: 'node', message: `${happened}. ${advice}` });
  }

  /** Another kind of managed process reconciled on every pass (replicas: see replicaRecovery.ts). */
  addStep(step: (now: number) => void | Promise<void>): void {
    this.steps.push(step);
  }

  /** Runs one pass now (tests, and after an event worth acting on at once). */
  async tick(): Promise<void> {
    if (this.running || this.closed) return;
    this.running = true;
    try {
      const now = Date.now();
      await this.stopCoordinatorThatLostAWorker();
      await this.reconcileNodes(now);
      await this.reconcileCoordinator(Date.now());
      for (const step of this.steps) await step(Date.now());
    } catch (err) {
      this.o.log('error', `Automatic recovery hit an unexpected error: ${(err as Error).message}`);
    } finally {
      this.running = false;
    }
  }

  private budget(): RetryBudget {
    return new RetryBudget(this.o.maxTries, this.o.windowMs, this.o.firstRetryMs);
  }

  private async endLeftover(): Promise<void> {
    const d = this.o.desired.coordinator();
    if (!d?.pid) return;
    if (!leftoverCoordinatorRuns(d.pid, d.httpPort)) {
      this.o.desired.setCoordinatorProcess(null, null);
      this.o.log('info', `The previous engine's llama-server (pid ${d.pid}) is gone (it ended with that engine)${d.running ? '; a new coordinator is started once the nodes answer' : ''}.`);
      return;
    }
    this.o.log('warn', `The previous engine left llama-server running (pid ${d.pid}, port ${d.httpPort}); its RPC tunnels ended with that engine, so it cannot serve. Stopping it${d.running ? '; a new coordinator is started over fresh tunnels once the nodes answer' : ''}.`);
    const how = await endLeftoverCoordinator(d.pid);
    this.o.desired.setCoordinatorProcess(null, null);
    this.o.log('info', how === 'KILL' ? `llama-server (pid ${d.pid}) did not exit on SIGTERM and was killed` : `llama-server (pid ${d.pid}) stopped`);
  }

  /** A ready coordinator whose worker is gone would fail or hang its requests: stop it, so they go back to the queue. */
  private async stopCoordinatorThatLostAWorker(): Promise<void> {
    const c = this.o.control.coordinator;
    const d = this.o.desired.coordinator();
    if (!d?.running || !this.o.autoRecovery() || (c.info().state !== 'ready' && c.info().state !== 'loading')) return;
    const lost = (c.spec?.nodeIds ?? []).map((id) => this.o.nodes().find((rt) => rt.record.id === id)).filter((rt): rt is NodeRuntime => !!rt && nodeLost(rt));
    if (lost.length === 0) return;
    const what = lost.map((rt) => `${rt.record.name} (${rt.state}${rt.message ? `: ${rt.message}` : ''})`).join(', ');
    this.o.log('warn', `The coordinator lost ${what}. Stopping llama-server: its requests go back to the queue, and it is started again over its nodes once they answer.`);
    await c.stop();
    // It no longer "will abort": it was stopped, and the recovery line says what comes next.
    this.o.alerts.clear(WORKER_LOST_ALERT);
    this.downSince = Date.now();
  }

  private async reconcileNodes(now: number): Promise<void> {
    for (const rt of this.o.nodes()) {
      const id = rt.record.id;
      if (!this.o.desired.nodeShouldRun(id) || rt.busy) continue;
      const budget = this.nodeBudgets.get(id) ?? this.budget();
      this.nodeBudgets.set(id, budget);
      if (rt.state === 'running' || rt.state === 'busy') {
        if (now - rt.stateSince > this.o.stableMs) budget.reset();
        continue;
      }
      // Unreachable: the SSH session reconnects by itself; unknown/starting/stopping: someone is at it.
      if (rt.state !== 'error' && rt.state !== 'stopped') continue;
      if (this.o.control.coordinator.holdsNode(id)) continue;
      const what = rt.downCause
        ? `rpc-server on ${rt.record.name} stopped unexpectedly (${rt.downCause})`
        : `rpc-server on ${rt.record.name} is ${rt.state}${rt.message ? ` (${withoutWhere(rt.message, rt.where)})` : ''}`;
      if (!this.o.autoRecovery()) {
        this.raiseNodeDown(rt, recoveryOffAdvice(rt.record.name));
        continue;
      }
      if (budget.exhausted(now)) {
        this.raiseNodeDown(rt, `Automatic recovery gave up after ${this.o.maxTries} tries in ${Math.round(this.o.windowMs / 60_000)} minutes (last failure: ${budget.lastError ?? rt.message ?? 'unknown'}). Fix it on the node (see the node's log tail), then ${startItHint(rt.record.name)}.`);
        continue;
      }
      if (budget.waitMs(now) > 0) continue;
      // Recovery may just have been turned back on: the alert no longer says it is off (a failed try ends in
      // the gave-up text above).
      if (rt.downCause) raiseDownAlert(this.o.ctx, rt);
      else this.o.alerts.clear(downAlertKey(id));
      const n = budget.take(now);
      this.o.log('warn', `${what}; restarting it (try ${n} of ${this.o.maxTries})`);
      try {
        await rt.exclusive(() => startNode(this.o.ctx, rt));
        this.o.log('info', `rpc-server on ${rt.record.name} runs again (pid ${rt.pid})`);
      } catch (err) {
        budget.lastError = (err as Error).message;
        this.o.log('error', `Restarting rpc-server on ${rt.record.name} failed: ${budget.lastError}`);
      }
    }
  }

  private async reconcileCoordinator(now: number): Promise<void> {
    const c = this.o.control.coordinator;
    const d = this.o.desired.coordinator();
    const info = c.info();
    if (!d?.running) {
      this.downSince = null;
      this.o.alerts.clear(OFF_COORDINATOR);
      if (info.recovery) c.setRecovery(null);
      return;
    }
    if (info.state === 'ready') {
      this.downSince = null;
      this.o.alerts.clear(OFF_COORDINATOR);
      if (c.readySince !== null && now - c.readySince > this.o.stableMs) {
        this.coordinatorBudget.reset();
        this.o.alerts.clear(GAVE_UP_COORDINATOR);
      }
      return;
    }
    if (info.state !== 'stopped' && info.state !== 'exited' && info.state !== 'error') return;
    this.downSince ??= now;
    const nodes = this.o.control.candidates(d);
    const down = `the coordinator is ${info.state}${info.message ? ` (${info.message})` : ''}`;
    if (!this.o.autoRecovery()) {
      const message = `${down}, and automatic recovery is off. Restart it: ${RESTART_HINT}; or turn on automatic recovery in Settings.`;
      this.o.alerts.raise({ key: OFF_COORDINATOR, severity: 'critical', source: 'coordinator', message });
      c.setRecovery(`automatic recovery is off: restart it with ${RESTART_HINT}`);
      return;
    }
    this.o.alerts.clear(OFF_COORDINATOR);
    if (this.coordinatorBudget.exhausted(now)) {
      const message = `Automatic recovery gave up on the coordinator after ${this.o.maxTries} tries in ${Math.round(this.o.windowMs / 60_000)} minutes. Last failure: ${this.coordinatorBudget.lastError ?? info.message ?? 'unknown'}. Fix the cause (the coordinator's log tail is on the Nodes view), then restart it: ${RESTART_HINT}.`;
      this.o.alerts.raise({ key: GAVE_UP_COORDINATOR, severity: 'critical', source: 'coordinator', message });
      c.setRecovery(`gave up after ${this.o.maxTries} tries: restart it with ${RESTART_HINT} once the cause is fixed`);
      return;
    }
    if (nodes.length === 0) {
      c.setRecovery('none of the nodes it was started on exists any more: start it again over other nodes (coordinator start)');
      return;
    }
    const ready = nodes.filter((rt) => rt.state === 'running' || rt.state === 'busy');
    const waiting = nodes.filter((rt) => !ready.includes(rt));
    if (waiting.length > 0 && (ready.length === 0 || now - this.downSince < this.o.partialAfterMs)) {
      c.setRecovery(`waiting for ${waiting.map((rt) => `${rt.record.name} (${rt.state} for ${ago(rt.stateSince, now)})`).join(', ')} to answer; then llama-server is started again over ${nodes.map((rt) => rt.record.name).join(', ')}`);
      return;
    }
    const wait = this.coordinatorBudget.waitMs(now);
    if (wait > 0) {
      c.setRecovery(`next try at ${clockTime(now + wait)}`);
      return;
    }
    if (ready.some((rt) => rt.busy)) return;
    const n = this.coordinatorBudget.take(now);
    const over = ready.map((rt) => rt.record.name).join(', ');
    c.setRecovery(`restarting over ${over} (try ${n} of ${this.o.maxTries})`);
    this.o.log('warn', `${down}; starting it again over ${over}${waiting.length ? ` (without ${waiting.map((rt) => rt.record.name).join(', ')}, still ${waiting.map((rt) => rt.state).join('/')} after ${ago(this.downSince, now)})` : ''} (try ${n} of ${this.o.maxTries})`);
    try {
      const started = await this.o.control.recover(d, ready);
      this.o.log('info', `Coordinator started again (${started.state}); batches resume when it is ready`);
      c.setRecovery(`restarted automatically at ${clockTime(Date.now())} (try ${n} of ${this.o.maxTries})`);
    } catch (err) {
      this.coordinatorBudget.lastError = (err as Error).message.split('\n')[0] ?? null;
      this.o.log('error', `Starting the coordinator again failed: ${this.coordinatorBudget.lastError}`);
      c.setRecovery(`try ${n} of ${this.o.maxTries} failed: ${this.coordinatorBudget.lastError}`);
    }
  }
}
