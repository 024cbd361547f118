import { ApiError, type ParsedInput } from '../../../shared/contract/index.ts';
import type { CoordinatorInfo, NodeInfo, NodeInput, NodeProbe, NodeUpdate } from '../../../shared/nodes.ts';
import type { AlertSink } from '../events/alertSink.ts';
import type { ChangeFeed } from '../events/changeFeed.ts';
import type { Handlers } from '../events/router.ts';
import type { Db } from '../store/database.ts';
import { newId } from '../store/ids.ts';
import { ClusterDesiredState } from './clusterDesiredState.ts';
import { ClusterReconciler } from './clusterReconciler.ts';
import type { BackendRegistrar, ClusterLog, SecretBox } from './contracts.ts';
import { Coordinator } from './coordinator.ts';
import { CoordinatorControl } from './coordinatorControl.ts';
import { coordinatorSettings } from './coordinatorSettings.ts';
import { readNodeLog } from './nodeLogFile.ts';
import { sameFingerprint } from './hostKey.ts';
import {
  applySshFailure, checkNode, connect, downAlertKey, hostKeyAlertKey, refreshNode, startNode, stopNode,
  type LifecycleContext,
} from './nodeLifecycle.ts';
import { applyNodeEdit } from './nodeEdit.ts';
import { NodeRepository, type NodeRecord } from './nodeRepository.ts';
import { NodeRuntime, type RuntimeDeps } from './nodeRuntime.ts';
import type { SessionStatus, SshSession } from './sshSession.ts';
import { CommandError, type CommandRunner } from '../gpu/commandRunner.ts';
import { sshCommandRunner } from './sshCommandRunner.ts';
import type { OperatorChecks } from '../policy/operatorPolicy.ts';

export interface NodeServiceOptions {
  db: Db;
  feed: ChangeFeed;
  alerts: AlertSink;
  /** Electron safeStorage on the desktop; null headless, where no password or passphrase is stored. */
  secrets: SecretBox | null;
  registrar: BackendRegistrar;
  /** How often running nodes are probed (default 5 s). */
  probeIntervalMs?: number;
  /** What the machine's operator allows: the llama-server to run, its models, the key files to read. */
  operator: OperatorChecks;
  /** The RPC protocol major of the workstation's llama-server, when known; otherwise the nodes' common one. */
  coordinatorProtocolMajor?: number | null;
  /** Look at every node with an accepted host key when the service starts (default true). */
  checkOnStart?: boolean;
  /** ssh-agent socket for agent authentication (default SSH_AUTH_SOCK). */
  agentSocket?: string;
  startTimeoutMs?: number;
  probeTimeoutMs?: number;
  sshReadyTimeoutMs?: number;
  sshKeepaliveMs?: number;
  sshBackoffInitialMs?: number;
  sshBackoffMaxMs?: number;
  coordinatorReadyTimeoutMs?: number;
  coordinatorStartupWaitMs?: number;
  /** How long a ready llama-server may leave /health unanswered before it counts as hung (default 4 s). */
  coordinatorUnresponsiveAfterMs?: number;
  coordinatorStopTimeoutMs?: number;
  /** The Settings switch for automatic recovery (default on). */
  autoRecovery?: () => boolean;
  /** Where cluster events go (the engine's event log and the running batches' logs). */
  log?: ClusterLog;
  reconcileIntervalMs?: number;
  recoveryFirstRetryMs?: number;
  /** How long a node that reads busy with no coordinator holding it may take to free before recovery restarts its rpc-server (default 6 s). */
  busyGraceMs?: number;
}

export type NodeHandlers = Pick<Handlers,
  | 'nodes.list' | 'nodes.add' | 'nodes.update' | 'nodes.remove' | 'nodes.acceptHostKey' | 'nodes.start' | 'nodes.stop'
  | 'nodes.startAll' | 'nodes.stopAll' | 'nodes.probe' | 'nodes.log'
  | 'coordinator.status' | 'coordinator.start' | 'coordinator.stop' | 'coordinator.restart'>;

/**
 * Whether rpc-server may run on the node: anything but a node known to be stopped (or never reached). A node
 * in `error` or `unreachable` may still have a process (a start not confirmed, a lost link), so Stop all
 * stops it as the row's Stop would.
 */
function mayHaveProcess(rt: NodeRuntime): boolean {
  return rt.pid !== null || rt.wasRunning || ['running', 'busy', 'starting', 'stopping', 'error', 'unreachable'].includes(rt.state);
}

function stateFilesHint(rt: NodeRuntime): string {
  return `pid file ~/.batchdeck/rpc-server-${rt.record.rpcPort}.pid on the node`;
}

/**
 * Remote GPU nodes and the llama-server coordinator over them. Stores nodes (secrets only through the
 * SecretBox), keeps one SSH session per node, starts/stops/adopts rpc-server, probes running nodes on a
 * timer, runs the coordinator, and emits node.updated / node.removed / coordinator.updated on every change.
 */
export class NodeService {
  private readonly opts: NodeServiceOptions;
  private readonly repo: NodeRepository;
  private readonly nodes = new Map<string, NodeRuntime>();
  private readonly coordinator: Coordinator;
  private readonly control: CoordinatorControl;
  private readonly reconciler: ClusterReconciler;
  private readonly desired: ClusterDesiredState;
  private readonly ctx: LifecycleContext;
  private readonly deps: RuntimeDeps;
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  private started = false;
  private readonly lastEmitted = new Map<string, string>();
  /** Cluster events for the operator; silent once the service is closed. */
  readonly log: ClusterLog;

  constructor(opts: NodeServiceOptions) {
    this.opts = opts;
    this.repo = new NodeRepository(opts.db);
    this.desired = new ClusterDesiredState(opts.db);
    const log: ClusterLog = (level, message) => {
      if (!this.closed) opts.log?.(level, message);
    };
    this.log = log;
    this.deps = {
      secrets: opts.secrets,
      agentSocket: opts.agentSocket ?? process.env.SSH_AUTH_SOCK,
      sshReadyTimeoutMs: opts.sshReadyTimeoutMs ?? 10_000,
      // With 3 unanswered keepalives allowed, a cut link is noticed within about 4 s.
      sshKeepaliveMs: opts.sshKeepaliveMs ?? 1_000,
      sshBackoffInitialMs: opts.sshBackoffInitialMs ?? 500,
      // Short, so a link that comes back is used again within seconds (the reconciler waits for it).
      sshBackoffMaxMs: opts.sshBackoffMaxMs ?? 5_000,
      probeTimeoutMs: opts.probeTimeoutMs ?? 3_000,
      keyFile: (p) => opts.operator.keyFile(p),
      onSessionStatus: (rt, s) => this.onSessionStatus(rt, s),
    };
    this.ctx = {
      changed: (rt) => {
        this.emitNode(rt);
        this.watchCoordinatorWorker(rt);
      },
      alerts: opts.alerts,
      startTimeoutMs: opts.startTimeoutMs ?? 20_000,
      coordinatorUsesNode: (id) => this.coordinator.usesNode(id),
      coordinatorHolds: (id) => (this.coordinator.holdsNode(id) ? this.coordinator.spawnedAt : null),
      recovery: (id) => (!this.desired.nodeShouldRun(id) ? 'not-wanted' : (opts.autoRecovery?.() ?? true) ? 'on' : 'off'),
    };
    this.coordinator = new Coordinator({
      registrar: opts.registrar,
      onChange: (info) => {
        if (!this.closed) opts.feed.emit('coordinator.updated', info);
      },
      onUnexpectedExit: (info, spec) => {
        void this.control.onUnexpectedExit(info, spec, () => this.closed).then(() => this.reconciler.tick());
      },
      onProcess: (pid, port) => {
        if (!this.closed || pid === null) this.desired.setCoordinatorProcess(pid, port);
      },
      // Read from the store on every info(); a log line's coalesced update may come after the engine closed it.
      lastSettings: () => (opts.db.open ? coordinatorSettings(this.desired.coordinator()) : null),
      ...(opts.coordinatorReadyTimeoutMs !== undefined ? { readyTimeoutMs: opts.coordinatorReadyTimeoutMs } : {}),
      ...(opts.coordinatorStartupWaitMs !== undefined ? { startupWaitMs: opts.coordinatorStartupWaitMs } : {}),
      ...(opts.coordinatorUnresponsiveAfterMs !== undefined ? { unresponsiveAfterMs: opts.coordinatorUnresponsiveAfterMs } : {}),
      ...(opts.coordinatorStopTimeoutMs !== undefined ? { stopTimeoutMs: opts.coordinatorStopTimeoutMs } : {}),
    });
    this.control = new CoordinatorControl({
      coordinator: this.coordinator,
      desired: this.desired,
      node: (id) => this.nodes.get(id),
      ctx: this.ctx,
      alerts: opts.alerts,
      log,
      emitNode: (rt) => this.emitNode(rt),
      operator: opts.operator,
      autoRecovery: opts.autoRecovery ?? (() => true),
      ...(opts.busyGraceMs !== undefined ? { busyGraceMs: opts.busyGraceMs } : {}),
      coordinatorProtocolMajor: opts.coordinatorProtocolMajor ?? null,
    });
    this.reconciler = new ClusterReconciler({
      desired: this.desired,
      nodes: () => [...this.nodes.values()],
      control: this.control,
      ctx: this.ctx,
      alerts: opts.alerts,
      log,
      autoRecovery: opts.autoRecovery ?? (() => true),
      ...(opts.reconcileIntervalMs !== undefined ? { intervalMs: opts.reconcileIntervalMs } : {}),
      ...(opts.recoveryFirstRetryMs !== undefined ? { firstRetryMs: opts.recoveryFirstRetryMs } : {}),
    });
    for (const rec of this.repo.list()) this.nodes.set(rec.id, new NodeRuntime(rec, this.deps));
    this.timer = setInterval(() => this.probeRunning(), opts.probeIntervalMs ?? 5_000);
    this.timer.unref();
  }

  /**
   * Called once the engine is composed (batches recovered, so the cluster's first log lines reach them).
   * Nothing is reconciled before: a service that is never started only serves requests.
   */
  startReconciling(): void {
    if (this.started || this.closed) return;
    this.started = true;
    void this.boot(this.opts.checkOnStart !== false);
  }

  /**
   * After an engine restart: first end the llama-server the previous engine left (its tunnels are gone),
   * then look at every node (re-adopting running rpc-servers); the reconciler then restores what should run.
   */
  private async boot(checkNodes: boolean): Promise<void> {
    await this.reconciler.start();
    if (!checkNodes || this.closed) return;
    await Promise.allSettled([...this.nodes.values()]
      .filter((rt) => rt.record.acceptedHostKey)
      .map((rt) => rt.exclusive(() => refreshNode(this.ctx, rt))));
  }

  snapshot(): { nodes: NodeInfo[]; coordinator: CoordinatorInfo } {
    return { nodes: this.list(), coordinator: this.coordinator.info() };
  }

  list(): NodeInfo[] {
    const major = this.referenceMajor();
    return [...this.nodes.values()].map((rt) => rt.toInfo(major));
  }

  handlers(): NodeHandlers {
    return {
      'nodes.list': () => this.list(),
      'nodes.add': (input) => this.add(input),
      'nodes.update': (input) => this.update(input),
      'nodes.remove': (input) => this.remove(input.id),
      'nodes.acceptHostKey': (input) => this.acceptHostKey(input.id, input.fingerprint),
      'nodes.start': (input) => {
        this.runtime(input.id);
        this.desired.setNodeShouldRun(input.id, true);
        this.reconciler.resetNode(input.id);
        return this.start(input.id);
      },
      'nodes.stop': (input) => this.stop(input.id),
      'nodes.startAll': () => this.startAll(),
      'nodes.stopAll': () => this.stopAll(),
      'nodes.probe': (input) => this.probe(input.id),
      'nodes.log': (input) => readNodeLog(this.ctx, this.runtime(input.id), input.lines ?? 200),
      'coordinator.status': () => this.coordinator.info(),
      'coordinator.start': (input) => this.startCoordinator(input),
      'coordinator.stop': () => this.control.stop(),
      'coordinator.restart': () => this.restartCoordinator(),
    };
  }

  async add(input: NodeInput): Promise<NodeInfo> {
    if (input.auth.method === 'key') this.opts.operator.keyFile(input.auth.keyPath);
    if (this.repo.byName(input.name)) throw new ApiError({ code: 'conflict', message: `A node named ${input.name} already exists` });
    const rec: NodeRecord = {
      id: newId('node'),
      name: input.name,
      host: input.host,
      sshPort: input.sshPort,
      user: input.user,
      authMethod: input.auth.method,
      keyPath: input.auth.method === 'key' ? input.auth.keyPath : null,
      secret: this.sealSecret(input.name, input.auth),
      rpcServerPath: input.rpcServerPath,
      rpcPort: input.rpcPort,
      devices: input.devices,
      cache: input.cache,
      bind: input.bind,
      acceptedHostKey: input.acceptedHostKey,
      createdAt: Date.now(),
    };
    this.repo.insert(rec);
    const rt = new NodeRuntime(rec, this.deps);
    this.nodes.set(rec.id, rt);
    this.emitNode(rt);
    // First contact now, so the reply already carries the host key to accept (or what is wrong).
    await rt.exclusive(() => refreshNode(this.ctx, rt)).catch(() => undefined);
    return this.info(rt);
  }

  /** Applies the fields given; with `nodeUpdateSchema` as the request's schema, omitted fields stay as they are. */
  async update(input: NodeUpdate): Promise<NodeInfo> {
    if (input.auth?.method === 'key') this.opts.operator.keyFile(input.auth.keyPath);
    const rt = this.runtime(input.id);
    return rt.exclusive(async () => {
      if (input.name !== undefined && input.name !== rt.record.name) {
        const other = this.repo.byName(input.name);
        if (other && other.id !== rt.record.id) throw new ApiError({ code: 'conflict', message: `A node named ${input.name} already exists` });
      }
      const { next, connectionChanged, rpcChanged } = applyNodeEdit(rt.record, input, (name, auth) => this.sealSecret(name, auth));
      if ((connectionChanged || rpcChanged) && (rt.state === 'running' || rt.state === 'busy' || rt.state === 'starting')) {
        throw new ApiError({ code: 'conflict', message: `${rt.where} is running: stop it before changing how it is reached or started` });
      }
      this.repo.update(next);
      rt.record = next;
      if (connectionChanged || rpcChanged) {
        rt.dropSession();
        rt.pendingHostKey = null;
        rt.state = 'unknown';
        rt.message = null;
        rt.probe = null;
      }
      this.emitNode(rt);
      if (connectionChanged || rpcChanged) await refreshNode(this.ctx, rt).catch(() => undefined);
      return this.info(rt);
    });
  }

  async remove(id: string): Promise<{ id: string }> {
    const rt = this.runtime(id);
    if (this.coordinator.usesNode(id)) {
      throw new ApiError({ code: 'conflict', message: `${rt.where} is in use by the running coordinator. Stop the coordinator first.` });
    }
    await rt.exclusive(async () => {
      if (rt.pid === null && rt.state !== 'running' && rt.state !== 'busy') return;
      try {
        await stopNode(this.ctx, rt);
      } catch (err) {
        if (!(err instanceof ApiError) || err.code !== 'unavailable') throw err;
        // Unreachable: the node is forgotten anyway (an operator must be able to remove a dead machine),
        // but what may still run there is said out loud.
        this.opts.alerts.raise({
          key: `node:${id}:removed-unreachable`, severity: 'warning', source: 'node',
          message: `${rt.where} was removed while unreachable; its rpc-server${rt.pid ? ` (pid ${rt.pid})` : ''} may still run there (${stateFilesHint(rt)}).`,
        });
      }
    });
    rt.dropSession();
    this.nodes.delete(id);
    this.desired.forgetNode(id);
    this.reconciler.forgetNode(id);
    this.repo.remove(id);
    this.lastEmitted.delete(id);
    this.opts.alerts.clear(downAlertKey(id));
    this.opts.alerts.clear(hostKeyAlertKey(id));
    this.opts.feed.emit('node.removed', { id });
    return { id };
  }

  /**
   * Accepts a host key. When the host already presented one, the operator must accept that very key
   * (what they checked); before any contact, a fingerprint checked out of band is taken as given.
   */
  async acceptHostKey(id: string, fingerprint: string): Promise<NodeInfo> {
    const rt = this.runtime(id);
    return rt.exclusive(async () => {
      if (rt.pendingHostKey && !sameFingerprint(rt.pendingHostKey, fingerprint)) {
        throw new ApiError({ code: 'conflict', message: `${rt.where} presented ${rt.pendingHostKey}, not ${fingerprint}. Accept the key the host presents, after checking it on the node.` });
      }
      this.repo.setAcceptedHostKey(id, fingerprint);
      rt.record = { ...rt.record, acceptedHostKey: fingerprint };
      rt.dropSession();
      rt.pendingHostKey = null;
      rt.message = 'host key accepted; connecting';
      this.opts.alerts.clear(hostKeyAlertKey(id));
      this.emitNode(rt);
      await refreshNode(this.ctx, rt).catch(() => undefined);
      return this.info(rt);
    });
  }

  async start(id: string): Promise<NodeInfo> {
    const rt = this.runtime(id);
    return rt.exclusive(async () => {
      if (rt.state === 'running' || rt.state === 'busy') {
        await checkNode(this.ctx, rt).catch(() => undefined);
        if (rt.state === 'running' || rt.state === 'busy') return this.info(rt);
      }
      await startNode(this.ctx, rt);
      return this.info(rt);
    });
  }

  async stop(id: string): Promise<NodeInfo> {
    const rt = this.runtime(id);
    if (!this.coordinator.usesNode(id)) this.desired.setNodeShouldRun(id, false);
    return rt.exclusive(async () => {
      await stopNode(this.ctx, rt);
      return this.info(rt);
    });
  }

  /** Every node at once, in parallel; failures stay on their nodes (state and message), not in the reply. */
  async startAll(): Promise<NodeInfo[]> {
    for (const rt of this.nodes.values()) {
      this.desired.setNodeShouldRun(rt.record.id, true);
      this.reconciler.resetNode(rt.record.id);
    }
    await Promise.allSettled([...this.nodes.values()].map((rt) => this.start(rt.record.id)));
    return this.list();
  }

  async stopAll(): Promise<NodeInfo[]> {
    // The coordinator cannot outlive its nodes: llama-server would abort on its next request.
    if (this.coordinator.active || this.coordinatorWanted()) await this.control.stop();
    await Promise.allSettled([...this.nodes.values()]
      .filter((rt) => mayHaveProcess(rt))
      .map((rt) => this.stop(rt.record.id)));
    return this.list();
  }

  async probe(id: string): Promise<NodeProbe> {
    const rt = this.runtime(id);
    return rt.exclusive(async () => {
      const session = await connect(this.ctx, rt);
      try {
        await rt.ensureEndpoint(session);
      } catch (err) {
        throw applySshFailure(this.ctx, rt, err);
      }
      const wasUp = rt.state === 'running' || rt.state === 'busy' || rt.wasRunning || rt.pid !== null;
      if (wasUp || this.coordinator.holdsNode(id)) {
        await checkNode(this.ctx, rt);
        return rt.probe!;
      }
      const probe = await rt.runProbe(session);
      if (probe.ok || probe.busy) await refreshNode(this.ctx, rt);
      else this.emitNode(rt);
      return probe;
    });
  }

  async startCoordinator(input: ParsedInput<'coordinator.start'>): Promise<CoordinatorInfo> {
    const running = [...this.nodes.values()].filter((rt) => rt.state === 'running' || rt.state === 'busy');
    const info = await this.control.start(input, running);
    this.reconciler.resetCoordinator();
    return info;
  }

  async restartCoordinator(): Promise<CoordinatorInfo> {
    this.reconciler.resetCoordinator();
    return this.control.restart();
  }

  /** Whether the stored desired state wants the coordinator running (its backend is kept until it is replaced). */
  coordinatorWanted(): boolean {
    return this.desired.coordinator()?.running ?? false;
  }

  /** Why a batch waits, when the reason is the coordinator: named, with what Batchdeck is doing about it. */
  waitingReason(): string | null {
    if (!this.coordinatorWanted()) return null;
    const c = this.coordinator.info();
    if (c.state === 'ready') return null;
    const what = `the llama-server coordinator is ${c.state}${c.message ? ` (${c.message})` : ''}`;
    return c.recovery ? `${what}; automatic recovery: ${c.recovery}` : what;
  }

  /** Reconciles another kind of managed process (replicas) on the cluster reconciler's passes. */
  reconcileAlso(step: (now: number) => void | Promise<void>): void {
    this.reconciler.addStep(step);
  }

  /** Runs a pass of the reconciler now (a replica was found gone). */
  reconcileNow(): void {
    void this.reconciler.tick();
  }

  /** False while the node's SSH session waits out a lost link (it reconnects by itself); otherwise worth a try. */
  reachable(id: string): boolean {
    const rt = this.nodes.get(id);
    return rt !== undefined && rt.session?.state !== 'reconnecting';
  }

  /**
   * The node's SSH session (created on first use; it reconnects by itself), for replicas: their llama-server
   * runs on the node and is reached through a forward of this session.
   */
  session(id: string): SshSession {
    return this.runtime(id).sessionOrCreate();
  }

  /**
   * Runs commands on a node over its SSH session, for the GPU poller (nvidia-smi on the node). The session
   * is looked up on every call, so a runner survives reconnects, edits and an accepted host key.
   */
  commandRunner(id: string): CommandRunner {
    return {
      run: (file, args, opts) => {
        const rt = this.nodes.get(id);
        if (!rt) return Promise.reject(new CommandError('ENODE', `node ${id} was removed`));
        let session;
        try {
          session = rt.sessionOrCreate();
        } catch (err) {
          return Promise.reject(new CommandError('ESSH', (err as Error).message, { cause: err }));
        }
        return sshCommandRunner(session).run(file, args, opts);
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.timer);
    this.reconciler.close();
    // The wish stays stored: the next engine starts the coordinator again (its tunnels end with this one).
    if (this.coordinator.active) await this.coordinator.stop().catch(() => undefined);
    this.closed = true;
    for (const rt of this.nodes.values()) rt.dropSession();
  }

  private probeRunning(): void {
    if (this.closed) return;
    for (const rt of this.nodes.values()) {
      if (rt.busy) continue;
      const watched = rt.state === 'running' || rt.state === 'busy' || (rt.state === 'unreachable' && rt.wasRunning);
      if (!watched) continue;
      // A session waiting out its backoff is left to it: probing would force a reconnect every interval.
      if (rt.session?.state === 'reconnecting') continue;
      void rt.exclusive(() => checkNode(this.ctx, rt)).catch(() => undefined);
    }
  }

  private onSessionStatus(rt: NodeRuntime, s: SessionStatus): void {
    if (this.closed) return;
    if (s.state === 'reconnecting') {
      const up = rt.state === 'running' || rt.state === 'busy' || rt.wasRunning;
      const retry = s.retryInMs !== null ? `; reconnecting (attempt ${s.attempt}, in ${(s.retryInMs / 1000).toFixed(1)} s)` : '';
      rt.wasRunning = up;
      if (up) rt.state = 'unreachable';
      rt.message = `${s.error?.message ?? 'SSH connection lost'}${retry}`;
      this.emitNode(rt);
      this.watchCoordinatorWorker(rt);
    } else if (s.state === 'ready' && rt.wasRunning && !rt.busy) {
      // The session is back: find out at once whether rpc-server still runs (it is detached, so it should).
      void rt.exclusive(() => checkNode(this.ctx, rt)).catch(() => undefined);
    } else if (s.state === 'failed' && s.error?.permanent && rt.wasRunning) {
      applySshFailure(this.ctx, rt, s.error);
    }
  }

  /** A lost worker is said out loud at once; the reconciler acts on it on its next pass. */
  private watchCoordinatorWorker(rt: NodeRuntime): void {
    if (this.closed) return;
    if (this.control.watchWorker(rt)) void this.reconciler.tick();
  }

  private sealSecret(name: string, auth: NodeInput['auth']): Buffer | null {
    const secret = auth.method === 'password' ? auth.password : auth.method === 'key' ? auth.passphrase : undefined;
    if (!secret) return null;
    if (!this.opts.secrets) {
      throw new ApiError({
        code: 'invalid_input',
        message: `Node ${name}: ${auth.method === 'password' ? 'password authentication' : 'a key passphrase'} needs a place to keep it encrypted, and headless mode stores no secret. Use ssh-agent (auth: agent) or a key file without a passphrase.`,
        issues: [{ path: auth.method === 'password' ? 'auth.password' : 'auth.passphrase', message: 'cannot be stored in headless mode' }],
      });
    }
    return this.opts.secrets.encrypt(secret);
  }

  private runtime(id: string): NodeRuntime {
    const rt = this.nodes.get(id);
    if (!rt) throw new ApiError({ code: 'not_found', message: `No node ${id}` });
    return rt;
  }

  private info(rt: NodeRuntime): NodeInfo {
    return rt.toInfo(this.referenceMajor());
  }

  /** The protocol major nodes are compared with: the configured one, else the most common among the nodes. */
  private referenceMajor(): number | null {
    if (this.opts.coordinatorProtocolMajor != null) return this.opts.coordinatorProtocolMajor;
    const counts = new Map<number, number>();
    for (const rt of this.nodes.values()) {
      const m = rt.probe?.protocolMajor;
      if (m != null) counts.set(m, (counts.get(m) ?? 0) + 1);
    }
    let best: number | null = null;
    let bestCount = 0;
    for (const [m, c] of counts) {
      if (c > bestCount || (c === bestCount && best !== null && m > best)) {
        best = m;
        bestCount = c;
      }
    }
    return best;
  }

  /** Emits node.updated when what the UI would show changed (the probe's timestamp alone does not count). */
  private emitNode(rt: NodeRuntime): void {
    if (this.closed || !this.nodes.has(rt.record.id)) return;
    const info = this.info(rt);
    const key = JSON.stringify({ ...info, probe: info.probe ? { ...info.probe, at: 0 } : null });
    if (this.lastEmitted.get(rt.record.id) === key) return;
    this.lastEmitted.set(rt.record.id, key);
    this.opts.feed.emit('node.updated', info);
  }
}
