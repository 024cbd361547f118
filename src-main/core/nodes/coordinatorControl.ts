import { ApiError, type ParsedInput } from '../../../shared/contract/index.ts';
import type { CoordinatorInfo } from '../../../shared/nodes.ts';
import type { AlertSink } from '../events/alertSink.ts';
import { fitCoordinatorLaunch } from '../plan/coordinatorFit.ts';
import type { OperatorChecks } from '../policy/operatorPolicy.ts';
import type { ClusterDesiredState, CoordinatorDesired } from './clusterDesiredState.ts';
import type { ClusterLog } from './contracts.ts';
import type { Coordinator, CoordinatorSpec } from './coordinator.ts';
import { checkNode, connect, startNode, type LifecycleContext } from './nodeLifecycle.ts';
import type { NodeRuntime } from './nodeRuntime.ts';
import { isAlive, remoteStatus, stopRpcServer } from './rpcServerControl.ts';

export const COORDINATOR_ALERT = 'coordinator:exited';
export const WORKER_LOST_ALERT = 'coordinator:worker-lost';

export interface CoordinatorControlDeps {
  coordinator: Coordinator;
  desired: ClusterDesiredState;
  node: (id: string) => NodeRuntime | undefined;
  ctx: LifecycleContext;
  alerts: AlertSink;
  log: ClusterLog;
  emitNode: (rt: NodeRuntime) => void;
  /** The machine operator's allow-list: which llama-server, models and flags the API may choose. */
  operator: OperatorChecks;
  coordinatorProtocolMajor: number | null;
  autoRecovery: () => boolean;
  /** How long a node that reads busy right after the coordinator let go is given to free (default 6 s). */
  busyGraceMs?: number;
}

export interface LaunchOptions {
  /**
   * A node that stays busy although no coordinator of ours holds it is held by a client that is gone (an SSH
   * session from before a cut link, a killed llama-server's tunnel): restart its rpc-server instead of waiting.
   */
  restartHeld: boolean;
  /** The operator's own start: refuse a model the fit plan says does not fit (unless they override). */
  refuseUnfit?: boolean;
}

type Spec = Omit<CoordinatorSpec, 'endpoints' | 'nodeIds'>;

/** Checked against the operator's allow-list on every launch: stored settings do not outlive a narrowed list. */
function allowedSpec(operator: OperatorChecks, s: { llamaServerPath: string | undefined; model: string; port: number | null; extraArgs: readonly string[] }): Spec {
  return {
    llamaServerPath: operator.llamaServer(s.llamaServerPath),
    model: operator.model(s.model),
    port: s.port,
    extraArgs: operator.llamaServerFlags(s.extraArgs),
  };
}

/**
 * Starting, restarting and stopping the llama-server coordinator over the nodes, with its desired state
 * stored: the settings and nodes chosen at start, and whether it should run. The reconciler uses the same
 * launch for automatic recovery.
 */
export class CoordinatorControl {
  private readonly d: CoordinatorControlDeps;

  constructor(deps: CoordinatorControlDeps) {
    this.d = deps;
  }

  get coordinator(): Coordinator {
    return this.d.coordinator;
  }

  async start(input: ParsedInput<'coordinator.start'>, running: NodeRuntime[]): Promise<CoordinatorInfo> {
    // The operator's allow-list first: a refused program or file gets the same 403 whatever the cluster's state.
    const spec = allowedSpec(this.d.operator, { llamaServerPath: input.llamaServerPath, model: input.model, port: input.port ?? null, extraArgs: input.extraArgs });
    const c = this.d.coordinator;
    if (c.active) throw new ApiError({ code: 'conflict', message: `the coordinator is already ${c.info().state}; stop it first` });
    const chosen = input.nodeIds ? input.nodeIds.map((id) => this.require(id)) : running;
    if (chosen.length === 0) {
      throw new ApiError({ code: 'conflict', message: 'No running node to start the coordinator on. Start the nodes first, then the coordinator.' });
    }
    // The wish "it should run" is stored only once it started: a start refused for a wrong path is not a
    // wish to retry forever. The settings are stored first, so the spawned pid has a row to go to.
    this.d.desired.setCoordinator({ running: false, ...spec, nodeIds: chosen.map((rt) => rt.record.id) });
    const info = await this.launch(spec, chosen, { restartHeld: false, refuseUnfit: input.override !== true });
    this.d.desired.setCoordinatorRunning(true);
    for (const rt of chosen) this.d.desired.setNodeShouldRun(rt.record.id, true);
    this.d.log('info', `Coordinator started by the operator over ${chosen.map((rt) => rt.record.name).join(', ')} (${spec.model})`);
    return info;
  }

  /**
   * Checks the nodes first, then restarts: a working coordinator is not stopped when no node could take it.
   * Uses the nodes chosen at start that are healthy now (the remembered list never shrinks).
   */
  async restart(): Promise<CoordinatorInfo> {
    const desired = this.d.desired.coordinator();
    if (!desired) throw new ApiError({ code: 'conflict', message: 'The coordinator has not been started yet: use coordinator start' });
    const spec = allowedSpec(this.d.operator, desired);
    const candidates = this.candidates(desired);
    // While it holds them, checkNode looks at their processes over SSH and does not probe their ports.
    // A node the operator stopped is not checked: checking it would report a deliberate stop as a crash.
    const checkable = candidates.filter((rt) => rt.state !== 'stopped');
    await Promise.allSettled(checkable.map((rt) => rt.exclusive(() => checkNode(this.d.ctx, rt))));
    const healthy = candidates.filter((rt) => rt.state === 'running' || rt.state === 'busy');
    if (healthy.length === 0) {
      const why = candidates.map((rt) => `${rt.record.name}: ${rt.state}${rt.message ? ` (${rt.message})` : ''}`).join('; ') || 'none of them exists any more';
      throw new ApiError({ code: 'conflict', message: `None of the coordinator's nodes is healthy now (${why}); the coordinator was left as it is. Start the nodes again, then restart the coordinator.` });
    }
    if (this.d.coordinator.active) {
      this.d.log('info', 'Restarting the coordinator (operator request): stopping llama-server');
      await this.d.coordinator.stop();
    }
    const info = await this.launch(spec, healthy, { restartHeld: true });
    this.d.desired.setCoordinatorRunning(true);
    this.d.log('info', `Coordinator restarted by the operator over ${healthy.map((rt) => rt.record.name).join(', ')}`);
    return info;
  }

  async stop(): Promise<CoordinatorInfo> {
    this.d.desired.setCoordinatorRunning(false);
    const wasActive = this.d.coordinator.active;
    const info = await this.d.coordinator.stop();
    this.d.alerts.clear(COORDINATOR_ALERT);
    this.d.alerts.clear(WORKER_LOST_ALERT);
    this.d.coordinator.setRecovery(null);
    if (wasActive) this.d.log('info', 'Coordinator stopped by the operator');
    return info;
  }

  /** The nodes chosen at start that still exist. */
  candidates(desired: CoordinatorDesired): NodeRuntime[] {
    return desired.nodeIds.map((id) => this.d.node(id)).filter((rt): rt is NodeRuntime => rt !== undefined);
  }

  /** Automatic recovery: the stored settings over the given nodes. */
  async recover(desired: CoordinatorDesired, nodes: NodeRuntime[]): Promise<CoordinatorInfo> {
    return this.launch(allowedSpec(this.d.operator, desired), nodes, { restartHeld: true });
  }

  /**
   * Checks every endpoint with the probe first (llama-server aborts on any it cannot reach), then spawns it.
   * A node still busy right after a coordinator let go gets a short grace to free; one that stays busy with
   * no holder of ours is restarted when `restartHeld`.
   */
  async launch(spec: Spec, chosen: NodeRuntime[], opts: LaunchOptions): Promise<CoordinatorInfo> {
    const c = this.d.coordinator;
    const planned = chosen.map((rt) => rt.endpoint ?? `(${rt.record.name})`);
    c.setChecking(planned);
    const problems: string[] = [];
    await Promise.all(chosen.map((rt) => rt.exclusive(async () => {
      try {
        const problem = await this.readyForLaunch(rt, opts);
        if (problem) problems.push(`${rt.record.name}: ${problem}`);
        this.d.emitNode(rt);
      } catch (err) {
        problems.push(`${rt.record.name}: ${(err as Error).message}`);
      }
    })));
    const endpoints = chosen.map((rt) => rt.endpoint).filter((e): e is string => e !== null);
    const majors = new Set(chosen.map((rt) => rt.probe?.protocolMajor).filter((m): m is number => m != null));
    if (problems.length === 0 && majors.size > 1) {
      problems.push(`the nodes speak different RPC protocol versions (${chosen.map((rt) => `${rt.record.name}: ${rt.probe?.version}`).join(', ')}); llama-server needs every node on its own major version`);
    }
    const expected = this.d.coordinatorProtocolMajor;
    if (problems.length === 0 && expected != null && [...majors].some((m) => m !== expected)) {
      problems.push(`the nodes speak RPC protocol ${[...majors].join('/')}, and this workstation's llama-server speaks ${expected}: update llama.cpp so they match`);
    }
    if (problems.length) {
      const message = `Not starting llama-server: ${problems.join('; ')}`;
      c.setRefused(message);
      throw new ApiError({ code: 'unavailable', message });
    }
    let fitted;
    try {
      fitted = await fitCoordinatorLaunch({
        model: spec.model, extraArgs: spec.extraArgs, refuse: opts.refuseUnfit === true,
        nodes: chosen.map((rt) => ({ id: rt.record.id, name: rt.record.name, probe: rt.probe })),
      });
    } catch (err) {
      c.setRefused((err as Error).message);
      throw err;
    }
    const info = await c.start({ ...spec, extraArgs: fitted.extraArgs, endpoints, nodeIds: chosen.map((rt) => rt.record.id) });
    if (info.state === 'ready' || info.state === 'loading' || info.state === 'starting') {
      this.d.alerts.clear(COORDINATOR_ALERT);
      this.d.alerts.clear(WORKER_LOST_ALERT);
    }
    if (info.state === 'error' || info.state === 'exited') {
      throw new ApiError({ code: 'unavailable', message: `${info.message ?? 'llama-server failed'}${info.logTail.length ? `\nLast log lines:\n${info.logTail.slice(-10).join('\n')}` : ''}` });
    }
    return info;
  }

  /** Null when the node's rpc-server answers the probe now; otherwise what is wrong. Runs under the node's lock. */
  private async readyForLaunch(rt: NodeRuntime, opts: LaunchOptions): Promise<string | null> {
    const session = await connect(this.d.ctx, rt);
    await rt.ensureEndpoint(session);
    const graceUntil = Date.now() + (this.d.busyGraceMs ?? 6_000);
    for (;;) {
      const probe = await rt.runProbe(session);
      if (probe.ok) return null;
      if (!probe.busy) {
        await checkNode(this.d.ctx, rt).catch(() => undefined);
        return probe.error ?? 'does not answer the protocol probe';
      }
      // Busy right after a coordinator let go: its connection is still closing. rpc-server ignores SIGPIPE,
      // so the dead probe connections this leaves in its queue cost it nothing.
      if (Date.now() < graceUntil) {
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      const port = rt.record.rpcPort;
      const pid = (await remoteStatus(session, port)).pid;
      if (!opts.restartHeld || pid === null || !(await isAlive(session, port, pid))) {
        return 'busy (another client holds rpc-server\'s single connection)';
      }
      this.d.log('warn', `rpc-server on ${rt.record.name} (pid ${pid}) stayed busy with no coordinator of ours holding it: its connection belongs to a client that is gone (an SSH session from before a dropped link, or a killed llama-server). Restarting it.`);
      await stopRpcServer(session, port);
      rt.pid = null;
      await startNode(this.d.ctx, rt);
      return rt.state === 'running' ? null : (rt.message ?? 'rpc-server did not come back after a restart');
    }
  }

  /**
   * llama-server died unasked: alert with the cause line, clear the "will abort" warning (it did), and find
   * which nodes are still healthy.
   */
  async onUnexpectedExit(info: CoordinatorInfo, spec: CoordinatorSpec, closed: () => boolean): Promise<void> {
    this.d.alerts.clear(WORKER_LOST_ALERT);
    this.d.alerts.raise({ key: COORDINATOR_ALERT, severity: 'critical', source: 'coordinator', message: info.message ?? 'llama-server exited' });
    this.d.log('error', info.message ?? 'llama-server exited');
    const nodes = spec.nodeIds.map((id) => this.d.node(id)).filter((rt): rt is NodeRuntime => rt !== undefined);
    await Promise.allSettled(nodes.map((rt) => rt.exclusive(() => checkNode(this.d.ctx, rt))));
    if (closed()) return;
    const healthy = nodes.filter((rt) => rt.state === 'running' || rt.state === 'busy').map((rt) => rt.record.name);
    const down = nodes.filter((rt) => rt.state !== 'running' && rt.state !== 'busy').map((rt) => `${rt.record.name} (${rt.state})`);
    const next = this.d.autoRecovery()
      ? 'Automatic recovery starts it again over its nodes once they answer.'
      : healthy.length
        ? `Restart is offered on the ${healthy.length} node(s) still healthy: ${healthy.join(', ')} (coordinator restart).`
        : 'No node is healthy: start the nodes again, then the coordinator.';
    this.d.coordinator.setMessage(`${info.message}. ${down.length ? `Down: ${down.join(', ')}. ` : ''}${next}`);
  }

  /**
   * A node under a ready coordinator that goes down (or whose SSH tunnel drops) has cost llama-server that
   * worker: it will abort on its next request. Say so before a batch finds out.
   */
  watchWorker(rt: NodeRuntime): boolean {
    if (!this.d.coordinator.usesNode(rt.record.id)) return false;
    const c = this.d.coordinator.info();
    if (c.state !== 'ready' && c.state !== 'loading') return false;
    if (!nodeLost(rt)) return false;
    const why = rt.state === 'unreachable' ? 'its SSH tunnel dropped' : 'its rpc-server stopped';
    const message = `llama-server lost node ${rt.record.name} (${why}) and will abort on its next request.`;
    this.d.alerts.raise({ key: WORKER_LOST_ALERT, severity: 'critical', source: 'coordinator', message });
    this.d.coordinator.setMessage(message);
    return true;
  }

  private require(id: string): NodeRuntime {
    const rt = this.d.node(id);
    if (!rt) throw new ApiError({ code: 'not_found', message: `No node ${id}` });
    return rt;
  }
}

/** The node can no longer serve a coordinator's worker connection. */
export function nodeLost(rt: NodeRuntime): boolean {
  return rt.state === 'error' || rt.state === 'stopped' || (rt.state === 'unreachable' && rt.record.bind === 'tunnel');
}
