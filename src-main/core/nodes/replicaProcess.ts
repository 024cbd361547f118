import type { ReplicaInfo, ReplicaState } from '../../../shared/replicas.ts';
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
  register(input: { baseUrl: string; model: string; name: string }): Promise<void>;
  unregister(baseUrl: string): void;
  requestsServed(baseUrl: string): number;
}

export interface ReplicaProcessDeps {
  nodeId: string;
  nodeName: () => string;
  session: () => ReplicaSession;
  backends: ReplicaBackends;
  onChange: (info: ReplicaInfo) => void;
  /** Loading a large model takes minutes (default 10 min). */
  readyTimeoutMs?: number;
  healthIntervalMs?: number;
  /** Restarts after an unexpected exit before giving up (default 3). */
  maxRestarts?: number;
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
 * in-flight requests back for the others) and started again, a few times, with backoff.
 */
export class ReplicaProcess {
  private readonly d: ReplicaProcessDeps;
  private spec: ReplicaSpec | null = null;
  private state: ReplicaState = 'stopped';
  private pid: number | null = null;
  private baseUrl: string | null = null;
  private forward: LocalForward | null = null;
  private slots: number | null = null;
  private message: string | null = null;
  private logTail: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private wanted = false;
  private restarts = 0;
  /** Served by this replica's earlier registrations (before a restart). */
  private servedBefore = 0;
  private generation = 0;
  private closed = false;

  constructor(deps: ReplicaProcessDeps) {
    this.d = deps;
  }

  get active(): boolean {
    return this.wanted;
  }

  info(): ReplicaInfo {
    return {
      nodeId: this.d.nodeId, node: this.d.nodeName(), state: this.state, baseUrl: this.baseUrl, model: this.spec?.model ?? '',
      pid: this.pid, requestsServed: this.servedBefore + (this.baseUrl ? this.d.backends.requestsServed(this.baseUrl) : 0), slots: this.slots,
      message: this.message, logTail: this.logTail,
    };
  }

  /** Starts (or adopts) and waits until it is ready; rejects with the cause and the log tail otherwise. */
  async start(spec: ReplicaSpec): Promise<ReplicaInfo> {
    this.spec = spec;
    this.wanted = true;
    this.restarts = 0;
    this.servedBefore = 0;
    try {
      await this.launch();
    } catch (err) {
      // A start that failed is not a wish to keep retrying: the operator sees why and starts again.
      this.wanted = false;
      throw err;
    }
    return this.info();
  }

  async stop(): Promise<ReplicaInfo> {
    this.wanted = false;
    this.generation++;
    this.stopWatch();
    this.set('stopping', null);
    this.dropBackend();
    try {
      await stopReplica(this.d.session(), this.d.nodeId);
      this.pid = null;
      this.set('stopped', null);
    } catch (err) {
      this.set('error', (err as Error).message);
      throw err;
    }
    return this.info();
  }

  close(): void {
    this.closed = true;
    this.generation++;
    this.stopWatch();
    this.dropBackend();
  }

  private set(state: ReplicaState, message: string | null): void {
    this.state = state;
    this.message = message;
    if (!this.closed) this.d.onChange(this.info());
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
      this.set('loading', adopted ? `adopted the llama-server already running (pid ${pid})` : null);
      const port = await this.waitListening(gen);
      this.forward?.close();
      this.forward = await shell.forwardLocal(port);
      const baseUrl = `http://${this.forward.endpoint}/v1`;
      await this.waitHealthy(baseUrl, gen);
      this.slots = await totalSlots(baseUrl);
      await this.d.backends.register({ baseUrl, model: spec.model, name: `replica on ${this.d.nodeName()}` });
      this.baseUrl = baseUrl;
      this.set('ready', adopted ? `adopted the llama-server already running (pid ${pid})` : null);
      this.watch(gen);
    } catch (err) {
      if (gen !== this.generation) return;
      this.logTail = await replicaLogTail(shell, this.d.nodeId).catch(() => []);
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
    this.pid = null;
    this.dropBackend();
    this.set('exited', `llama-server on ${this.d.nodeName()} exited unexpectedly`);
    await this.recover(gen);
  }

  private async recover(gen: number): Promise<void> {
    const max = this.d.maxRestarts ?? 3;
    while (this.wanted && gen === this.generation && this.restarts < max) {
      this.restarts++;
      await sleep(1000 * 2 ** (this.restarts - 1));
      if (!this.wanted || gen !== this.generation) return;
      this.set('recovering', `restart ${this.restarts} of ${max}`);
      try {
        await this.launch();
        return;
      } catch {
        gen = this.generation;
      }
    }
    if (this.wanted && this.restarts >= max) this.set('error', `llama-server on ${this.d.nodeName()} exited and ${max} restarts failed; see the log tail`);
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
