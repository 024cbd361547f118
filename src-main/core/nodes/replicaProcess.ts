import type { ReplicaInfo, ReplicaState } from '../../../shared/replicas.ts';
import { exitCause } from './exitCause.ts';
import type { LocalForward } from './localForward.ts';
import {
  checkModelReadable, findLlamaServer, launchReplica, listeningPort, replicaFiles, replicaLogTail, replicaPid, stopReplica,
} from './replicaControl.ts';
import type { RemoteShell } from './rpcServerControl.ts';

export interface ReplicaSpec {
  llamaServerPath: string;
  model: string;
  /** The whole llama-server command line after the binary (model, host, port, alias, the operator's flags). */
  args: string[];
}

/** The node's side: its SSH session (commands and forwards), created on first use and kept across reconnects. */
export interface ReplicaSession extends RemoteShell {
  forwardLocal(dstPort: number): Promise<LocalForward>;
}

/** Registers the ready replica as an inference backend for its model, and reads what it served. */
export interface ReplicaBackends {
  /**
   * Registers (or re-points) the backend; `id` is the backend this replica was registered as before (an
   * engine restart): that one is reused, so an adopted replica is the same backend. Resolves with its id.
   */
  register(input: { baseUrl: string; model: string; name: string; id: string | null }): Promise<string>;
  unregister(baseUrl: string): void;
  requestsServed(baseUrl: string): number;
}

export interface ReplicaProcessDeps {
  nodeId: string;
  nodeName: () => string;
  session: () => ReplicaSession;
  backends: ReplicaBackends;
  onChange: (info: ReplicaInfo) => void;
  /** The backend this replica was last registered as, and where to remember a new one. */
  backendId: () => string | null;
  onRegistered: (backendId: string) => void;
  /** llama-server was found gone: the reconciler decides what comes next (restart, or an alert). */
  onExit: () => void;
  /** Loading a large model takes minutes (default 10 min). */
  readyTimeoutMs?: number;
  healthIntervalMs?: number;
}

const HEALTH_TIMEOUT_MS = 3_000;

async function health(baseUrl: string): Promise<number | null> {
  try {
    const res = await fetch(baseUrl.replace(/\/v1$/, '/health'), { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return null;
  }
}

/** llama-server's parallel slots (`/props` total_slots), what its share of a batch is measured against. */
async function totalSlots(baseUrl: string): Promise<number | null> {
  try {
    const res = await fetch(baseUrl.replace(/\/v1$/, '/props'), { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
    const slots = ((await res.json()) as { total_slots?: unknown }).total_slots;
    return typeof slots === 'number' ? slots : null;
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One replica: llama-server on a node, bound to the node's 127.0.0.1, reached through an SSH tunnel, started
 * detached (adopted when our pid file names a live one), registered as a backend once /health says ready,
 * then watched: a replica that stops answering and whose process is gone is unregistered (the executor puts its
 * in-flight requests back for the others) and reported as exited. Bringing it back is the reconciler's job
 * (with backoff, a limit and the Settings switch), as for rpc-server and the coordinator.
 */
export class ReplicaProcess {
  private readonly d: ReplicaProcessDeps;
  private spec: ReplicaSpec | null = null;
  private state: ReplicaState = 'stopped';
  /** When it entered its state: "ready for a minute" counts as recovered. */
  stateSince = Date.now();
  private pid: number | null = null;
  private baseUrl: string | null = null;
  private forward: LocalForward | null = null;
  private slots: number | null = null;
  private message: string | null = null;
  private logTail: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** A start, adoption or stop is under way. */
  private acting = false;
  /** Set by an engine that starts with this replica wanted: what runs on the node is not known yet. */
  restored = false;
  /** Why it went down unasked (exited, or a start that failed): what the alert and the log say. */
  downCause: string | null = null;
  /** Served by this replica's earlier registrations (before a restart). */
  private servedBefore = 0;
  private generation = 0;
  private closed = false;

  constructor(deps: ReplicaProcessDeps) {
    this.d = deps;
  }

  /** Runs, or is being started, adopted or stopped: another start on this node is refused. */
  get active(): boolean {
    return this.acting || ['starting', 'loading', 'ready', 'unresponsive', 'stopping'].includes(this.state);
  }

  get currentState(): ReplicaState {
    return this.state;
  }

  get busy(): boolean {
    return this.acting;
  }

  info(): ReplicaInfo {
    return {
      nodeId: this.d.nodeId, node: this.d.nodeName(), state: this.state, baseUrl: this.baseUrl, model: this.spec?.model ?? '',
      pid: this.pid, requestsServed: this.servedBefore + (this.baseUrl ? this.d.backends.requestsServed(this.baseUrl) : 0), slots: this.slots,
      message: this.message, logTail: this.logTail,
    };
  }

  /** The operator's start: starts (or adopts) and waits until it is ready; rejects with the cause and the log tail otherwise. */
  async start(spec: ReplicaSpec): Promise<ReplicaInfo> {
    this.servedBefore = 0;
    await this.bringUp(spec);
    return this.info();
  }

  /** After an engine restart: the wish is known, what runs on the node is not yet. */
  restore(spec: ReplicaSpec): void {
    this.spec = spec;
    this.restored = true;
    this.set('recovering', 'the engine restarted: looking for its llama-server on the node');
  }

  /** The reconciler's start or adoption with the stored settings (launchReplica adopts a live one). */
  async resume(spec: ReplicaSpec): Promise<ReplicaInfo> {
    this.restored = false;
    await this.bringUp(spec);
    return this.info();
  }

  /** The pid of the live llama-server our pid file names on the node, or null when there is none. */
  async runningPid(): Promise<number | null> {
    return replicaPid(this.d.session(), this.d.nodeId);
  }

  /** What the window shows while the reconciler waits or gives up (state kept, message replaced). */
  note(state: ReplicaState, message: string): void {
    if (this.state === state && this.message === message) return;
    this.set(state, message);
  }

  async stop(): Promise<ReplicaInfo> {
    this.generation++;
    this.restored = false;
    this.downCause = null;
    this.stopWatch();
    this.set('stopping', null);
    this.dropBackend();
    this.acting = true;
    try {
      await stopReplica(this.d.session(), this.d.nodeId);
      this.pid = null;
      this.set('stopped', null);
    } catch (err) {
      this.set('error', (err as Error).message);
      throw err;
    } finally {
      this.acting = false;
    }
    return this.info();
  }

  /**
   * The engine closes: the tunnel ends with it, llama-server keeps running on the node and the backend stays
   * stored, so the next engine adopts both.
   */
  close(): void {
    this.closed = true;
    this.generation++;
    this.stopWatch();
    this.forward?.close();
    this.forward = null;
  }

  private set(state: ReplicaState, message: string | null): void {
    if (state !== this.state) this.stateSince = Date.now();
    this.state = state;
    this.message = message;
    if (!this.closed) this.d.onChange(this.info());
  }

  private async bringUp(spec: ReplicaSpec): Promise<void> {
    this.spec = spec;
    this.acting = true;
    try {
      await this.launch();
      this.downCause = null;
    } catch (err) {
      this.downCause ??= (err as Error).message.split('\n')[0] ?? null;
      throw err;
    } finally {
      this.acting = false;
    }
  }

  private async launch(): Promise<void> {
    const spec = this.spec!;
    const gen = ++this.generation;
    const shell = this.d.session();
    this.set('starting', null);
    try {
      const binary = await findLlamaServer(shell, spec.llamaServerPath);
      await checkModelReadable(shell, spec.model);
      const { pid, adopted } = await launchReplica(shell, this.d.nodeId, binary, spec.args);
      this.pid = pid;
      const note = adopted ? `adopted the llama-server already running (pid ${pid})` : null;
      this.set('loading', note);
      const port = await this.waitListening(gen);
      this.forward?.close();
      this.forward = await shell.forwardLocal(port);
      const baseUrl = `http://${this.forward.endpoint}/v1`;
      await this.waitHealthy(baseUrl, gen);
      this.slots = await totalSlots(baseUrl);
      const id = await this.d.backends.register({ baseUrl, model: spec.model, name: `replica on ${this.d.nodeName()}`, id: this.d.backendId() });
      this.d.onRegistered(id);
      this.baseUrl = baseUrl;
      this.logTail = [];
      this.set('ready', note);
      this.watch(gen);
    } catch (err) {
      if (gen !== this.generation) return;
      this.forward?.close();
      this.forward = null;
      this.logTail = await replicaLogTail(shell, this.d.nodeId).catch(() => []);
      this.downCause = (err as Error).message.split('\n')[0] ?? null;
      this.set('error', `${(err as Error).message}${this.logTail.length ? '' : ` (log: ${replicaFiles(this.d.nodeId).display} on the node)`}`);
      throw err;
    }
  }

  private async waitListening(gen: number): Promise<number> {
    const shell = this.d.session();
    const deadline = Date.now() + (this.d.readyTimeoutMs ?? 600_000);
    for (;;) {
      if (gen !== this.generation) throw new Error('the start was superseded');
      const port = await listeningPort(shell, this.d.nodeId);
      if (port) return port;
      if ((await replicaPid(shell, this.d.nodeId)) === null) {
        this.pid = null;
        throw new Error(`${shell.where}: llama-server exited while loading ${this.spec!.model}`);
      }
      if (Date.now() > deadline) throw new Error(`${shell.where}: llama-server did not start listening within ${Math.round((this.d.readyTimeoutMs ?? 600_000) / 1000)} s`);
      await sleep(300);
    }
  }

  private async waitHealthy(baseUrl: string, gen: number): Promise<void> {
    const deadline = Date.now() + (this.d.readyTimeoutMs ?? 600_000);
    for (;;) {
      if (gen !== this.generation) throw new Error('the start was superseded');
      const status = await health(baseUrl);
      if (status === 200) return;
      if (Date.now() > deadline) throw new Error(`llama-server on ${this.d.nodeName()} answered /health with ${status ?? 'nothing'} until the timeout`);
      await sleep(300);
    }
  }

  private watch(gen: number): void {
    this.stopWatch();
    this.timer = setInterval(() => void this.check(gen), this.d.healthIntervalMs ?? 2_000);
    this.timer.unref();
  }

  private stopWatch(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async check(gen: number): Promise<void> {
    if (gen !== this.generation || !this.baseUrl) return;
    const status = await health(this.baseUrl);
    if (gen !== this.generation) return;
    if (status === 200) {
      if (this.state !== 'ready') this.set('ready', null);
      else this.d.onChange(this.info());
      return;
    }
    const shell = this.d.session();
    const pid = await replicaPid(shell, this.d.nodeId).catch(() => undefined);
    if (gen !== this.generation) return;
    if (pid === undefined || pid !== null) {
      // Alive (or the node is not answering SSH): say so, keep the backend's own outage handling in charge.
      if (this.state !== 'unresponsive') this.set('unresponsive', `/health ${status ?? 'does not answer'}${pid === undefined ? '; the node does not answer over SSH' : ''}`);
      return;
    }
    this.stopWatch();
    this.logTail = await replicaLogTail(shell, this.d.nodeId).catch(() => []);
    const said = exitCause(this.logTail);
    this.downCause = `its process${this.pid ? ` (pid ${this.pid})` : ''} is gone${said ? `; its log ends with "${said}"` : ''}`;
    this.pid = null;
    this.dropBackend();
    this.set('exited', `llama-server on ${this.d.nodeName()} exited unexpectedly: ${this.downCause}`);
    this.d.onExit();
  }

  private dropBackend(): void {
    if (this.baseUrl) {
      this.servedBefore += this.d.backends.requestsServed(this.baseUrl);
      this.d.backends.unregister(this.baseUrl);
    }
    this.baseUrl = null;
    this.forward?.close();
    this.forward = null;
  }
}
