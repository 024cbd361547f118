import { freeLocalPort } from '../net/freeLocalPort.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { CoordinatorInfo, CoordinatorSettings } from '../../../shared/nodes.ts';
import type { BackendRegistrar } from './contracts.ts';
import { exitCause } from './exitCause.ts';
import { LineBuffer } from './lineBuffer.ts';

/** What the coordinator was started with; kept so a restart can reuse it on the nodes still healthy. */
export interface CoordinatorSpec {
  llamaServerPath: string;
  model: string;
  port: number | null;
  extraArgs: string[];
  /** host:port of each rpc-server as this workstation reaches it (tunnel ends or LAN addresses). */
  endpoints: string[];
  nodeIds: string[];
}

export interface CoordinatorOptions {
  registrar: BackendRegistrar;
  onChange: (info: CoordinatorInfo) => void;
  /** The process ended without being asked to: the service alerts and works out which nodes are healthy. */
  onUnexpectedExit: (info: CoordinatorInfo, spec: CoordinatorSpec) => void;
  /** How long loading may take (big models over RPC take minutes). */
  readyTimeoutMs?: number;
  healthIntervalMs?: number;
  /** How long start() waits for the HTTP server to answer before returning "starting". */
  startupWaitMs?: number;
  /** SIGTERM, then SIGKILL after this long (a llama-server can hang in its shutdown). */
  stopTimeoutMs?: number;
  /** While ready: how often /health is asked, and how long it may stay unanswered before the process counts as hung. */
  watchIntervalMs?: number;
  unresponsiveAfterMs?: number;
  /** The process this engine runs (pid and HTTP port), or null when none: stored so a restarted engine finds it. */
  onProcess?: (pid: number | null, port: number | null) => void;
  /** The settings of the last start as stored, shown with every state so the window's form can offer them. */
  lastSettings?: () => CoordinatorSettings | null;
}

const ACTIVE = new Set<CoordinatorInfo['state']>(['checking', 'starting', 'loading', 'ready', 'unresponsive', 'stopping']);
/** States in which llama-server holds its rpc-servers' single connections: no probe may touch them. */
const HOLDING = new Set<CoordinatorInfo['state']>(['starting', 'loading', 'ready', 'unresponsive', 'stopping']);

export function expandHome(p: string): string {
  return p === '~' ? os.homedir() : p.startsWith('~/') ? path.join(os.homedir(), p.slice(2)) : p;
}

export function llamaServerArgs(spec: Pick<CoordinatorSpec, 'endpoints' | 'model' | 'extraArgs'>, port: number): string[] {
  return ['--rpc', spec.endpoints.join(','), '-m', expandHome(spec.model), '-ngl', '99', '--host', '127.0.0.1', '--port', String(port), ...spec.extraArgs];
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** The exit status a shell would show: 128 + signal number for a signal (SIGABRT: 134). */
function exitStatus(code: number | null, signal: NodeJS.Signals | null): number | null {
  if (code !== null) return code;
  if (signal) return 128 + (os.constants.signals[signal] ?? 0);
  return null;
}

/**
 * The llama-server coordinator, run on this workstation: spawned with --rpc over the nodes' endpoints,
 * "loading" while /health answers 503, "ready" (and registered as an inference backend) at 200, watched
 * until it exits. An exit nobody asked for is reported with the log tail.
 */
export class Coordinator {
  private readonly opts: CoordinatorOptions;
  private child: ChildProcess | null = null;
  private readonly log = new LineBuffer(300);
  private healthTimer: NodeJS.Timeout | null = null;
  private logTimer: NodeJS.Timeout | null = null;
  private registeredUrl: string | null = null;
  private exited: Promise<void> | null = null;
  private current: CoordinatorInfo = {
    state: 'stopped', baseUrl: null, model: null, endpoints: [], pid: null, port: null, message: null, logTail: [], exitCode: null, recovery: null,
  };
  /** Why this engine killed the process itself (it hung): the exit is then reported with this reason. */
  private killedBecause: string | null = null;
  /** When /health last answered 200 while ready. */
  private lastHealthyAt = 0;
  /** When llama-server last became ready (null before). */
  readySince: number | null = null;
  /** When the current llama-server was spawned: from then on it may hold its rpc-servers. */
  spawnedAt = 0;
  spec: CoordinatorSpec | null = null;

  constructor(opts: CoordinatorOptions) {
    this.opts = opts;
  }

  info(): CoordinatorInfo {
    return { ...this.current, logTail: this.log.tail(20), lastSettings: this.opts.lastSettings?.() ?? null };
  }

  get active(): boolean {
    return ACTIVE.has(this.current.state);
  }

  usesNode(nodeId: string): boolean {
    return this.active && (this.spec?.nodeIds.includes(nodeId) ?? false);
  }

  /** llama-server holds this node's rpc-server (its connection is open or may be): never probe it then. */
  holdsNode(nodeId: string): boolean {
    return HOLDING.has(this.current.state) && (this.spec?.nodeIds.includes(nodeId) ?? false);
  }

  setRecovery(recovery: string | null): void {
    if (recovery !== this.current.recovery) this.update({ recovery });
  }

  /** Shown while the service probes the endpoints, before anything is spawned. */
  setChecking(endpoints: string[]): void {
    this.update({ state: 'checking', endpoints, message: `checking ${endpoints.length} rpc-server endpoint(s) with the protocol probe`, exitCode: null });
  }

  /** Back to a resting state when the checks refused to start. */
  setRefused(message: string): void {
    this.update({ state: 'error', message, pid: null });
  }

  setMessage(message: string | null): void {
    this.update({ message });
  }

  async start(spec: CoordinatorSpec): Promise<CoordinatorInfo> {
    if (this.child) throw new Error('llama-server is already running; stop it first');
    const port = spec.port ?? (await freeLocalPort());
    if (spec.port !== null && !(await portIsFree(port))) {
      this.update({ state: 'error', message: `port ${port} on 127.0.0.1 is in use on this workstation: choose another port for llama-server (--port)`, pid: null });
      return this.info();
    }
    this.spec = spec;
    this.log.clear();
    this.killedBecause = null;
    this.readySince = null;
    this.spawnedAt = Date.now();
    const file = expandHome(spec.llamaServerPath);
    const args = llamaServerArgs(spec, port);
    const baseUrl = `http://127.0.0.1:${port}/v1`;
    this.update({ state: 'starting', baseUrl, model: spec.model, servedModel: null, endpoints: spec.endpoints, port, pid: null, exitCode: null, message: `starting ${file}` });

    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.on('data', (d: Buffer) => this.onLog(d));
    child.stderr!.on('data', (d: Buffer) => this.onLog(d));
    let spawnError: Error | null = null;
    this.exited = new Promise<void>((resolve) => {
      child.once('error', (err) => {
        spawnError = err;
        // 'exit' does not follow a failed spawn.
        if (child.pid === undefined) {
          this.onExit(child, null, null, err);
          resolve();
        }
      });
      child.once('exit', (code, signal) => {
        this.onExit(child, code, signal, spawnError);
        resolve();
      });
    });
    if (child.pid !== undefined) {
      this.update({ pid: child.pid });
      this.opts.onProcess?.(child.pid, port);
    }

    const startedAt = Date.now();
    const readyDeadline = startedAt + (this.opts.readyTimeoutMs ?? 30 * 60_000);
    const poll = async (): Promise<void> => {
      this.healthTimer = null;
      if (this.child !== child) return;
      const status = await healthStatus(port);
      if (this.child !== child) return;
      if (status === 200) {
        await this.becomeReady(child, baseUrl, port, spec);
        if (this.child === child) this.watch(child, port);
        return;
      }
      if (status === 503 && this.current.state === 'starting') this.update({ state: 'loading', message: 'loading the model (/health answers 503)' });
      if (Date.now() > readyDeadline) {
        this.update({ message: `llama-server did not become ready within ${Math.round((this.opts.readyTimeoutMs ?? 1_800_000) / 1000)} s; stopping it` });
        void this.stop(`did not become ready within the allowed time. Last log lines:\n${this.log.tail(10).join('\n')}`);
        return;
      }
      this.healthTimer = setTimeout(() => void poll(), this.opts.healthIntervalMs ?? 250);
    };
    void poll();

    // Wait until it answers HTTP (or exits), so a broken model path or binary shows up in the reply.
    const waitUntil = startedAt + (this.opts.startupWaitMs ?? 30_000);
    while (this.child === child && this.current.state === 'starting' && Date.now() < waitUntil) {
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.info();
  }

  /** Stops llama-server: unregistered first (no new requests), SIGTERM, then SIGKILL after a grace period. */
  async stop(reason?: string): Promise<CoordinatorInfo> {
    const child = this.child;
    if (!child) {
      if (this.current.state !== 'stopped' && !reason) this.update({ state: 'stopped', pid: null, message: null });
      return this.info();
    }
    this.update({ state: 'stopping', message: reason ? `stopping: ${reason}` : 'stopping llama-server' });
    await this.terminate(child);
    if (reason) this.update({ state: 'error', message: `llama-server stopped: ${reason}` });
    return this.info();
  }

  /**
   * While ready, /health keeps being asked: a llama-server that hangs (or whose HTTP side stopped) still
   * holds requests in flight. When it has not answered for `unresponsiveAfterMs` it is unregistered (its
   * in-flight requests go back to the queue without spending attempts), killed, and reported as an exit.
   */
  private watch(child: ChildProcess, port: number): void {
    this.lastHealthyAt = Date.now();
    const every = this.opts.watchIntervalMs ?? 1_000;
    const limit = this.opts.unresponsiveAfterMs ?? 4_000;
    const tick = async (): Promise<void> => {
      this.healthTimer = null;
      const gone = () => this.child !== child || this.current.state === 'stopping';
      if (gone()) return;
      const status = await healthStatus(port, Math.min(2_000, limit));
      if (gone()) return;
      const now = Date.now();
      if (status === 200) {
        this.lastHealthyAt = now;
      } else if (now - this.lastHealthyAt >= limit) {
        const seen = status === null ? 'no answer' : `HTTP ${status}`;
        void this.killHung(child, `llama-server stopped answering /health for ${Math.round((now - this.lastHealthyAt) / 1000)} s (${seen}) while its process ran (pid ${child.pid})`);
        return;
      }
      this.healthTimer = setTimeout(() => void tick(), every);
    };
    this.healthTimer = setTimeout(() => void tick(), every);
  }

  private async killHung(child: ChildProcess, reason: string): Promise<void> {
    if (this.child !== child) return;
    this.killedBecause = reason;
    this.update({ state: 'unresponsive', message: `${reason}; killing it (SIGTERM, then SIGKILL after ${Math.round((this.opts.stopTimeoutMs ?? 5_000) / 1000)} s)` });
    await this.terminate(child);
  }

  /** Unregistered first (no new requests go to it), then SIGTERM, and SIGKILL when it outlives the grace period. */
  private async terminate(child: ChildProcess): Promise<void> {
    await this.unregister();
    const exited = this.exited;
    child.kill('SIGTERM');
    const kill = setTimeout(() => child.kill('SIGKILL'), this.opts.stopTimeoutMs ?? 5_000);
    await exited;
    clearTimeout(kill);
  }

  private async becomeReady(child: ChildProcess, baseUrl: string, port: number, spec: CoordinatorSpec): Promise<void> {
    const served = await servedModel(port);
    if (this.child !== child) return;
    const model = served ?? spec.model;
    try {
      await this.opts.registrar.registerCoordinator({ baseUrl, model });
      this.registeredUrl = baseUrl;
    } catch (err) {
      this.update({ state: 'ready', model: spec.model, servedModel: served, message: `ready, but registering it as a backend failed: ${(err as Error).message}` });
      return;
    }
    this.readySince = Date.now();
    // model stays the GGUF path (what a restart loads); the id clients ask for (an -a alias) is shown apart.
    this.update({ state: 'ready', model: spec.model, servedModel: served, message: `ready on ${baseUrl} over ${spec.endpoints.length} node(s)` });
  }

  private async unregister(): Promise<void> {
    const url = this.registeredUrl;
    this.registeredUrl = null;
    if (!url) return;
    try {
      await this.opts.registrar.unregisterCoordinator(url);
    } catch {
      // The backend is gone with the process either way; the registry's own health check will notice.
    }
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null, spawnError: Error | null): void {
    if (this.child !== child) return;
    this.child = null;
    if (this.healthTimer) clearTimeout(this.healthTimer);
    this.healthTimer = null;
    void this.unregister();
    this.opts.onProcess?.(null, null);
    const status = exitStatus(code, signal);
    if (spawnError && (spawnError as NodeJS.ErrnoException).code === 'ENOENT') {
      this.update({
        state: 'error', pid: null, exitCode: null,
        message: `llama-server not found: ${this.spec?.llamaServerPath}. Install llama.cpp on this workstation (built with -DGGML_RPC=ON) or give its path (--llama-server PATH).`,
      });
      return;
    }
    if (spawnError && status === null) {
      this.update({ state: 'error', pid: null, exitCode: null, message: `llama-server could not be started: ${spawnError.message}` });
      return;
    }
    if (this.current.state === 'stopping') {
      this.update({ state: 'stopped', pid: null, exitCode: status, message: null });
      return;
    }
    const how = signal ? `${signal}, exit status ${status}` : `exit status ${status}`;
    // A signal with nothing in the log (SIGKILL, SIGTERM from outside) is its own cause: the last log line
    // would only name whatever request was running.
    const cause = exitCause(this.log.tail(60), { orLast: !signal || signal === 'SIGABRT' || signal === 'SIGSEGV' });
    const message = this.killedBecause
      ? `${this.killedBecause}; it was killed (${how})`
      : `llama-server exited unexpectedly (${how})${cause ? `: ${cause}` : signal ? ': killed by a signal from outside Batchdeck; nothing in its log says why' : ''}`;
    const info = this.update({ state: 'exited', pid: null, exitCode: status, message });
    if (this.spec) this.opts.onUnexpectedExit(info, this.spec);
  }

  private onLog(chunk: Buffer): void {
    this.log.push(chunk);
    // Coalesced: a loading model prints many lines; the UI needs a fresh tail, not every line as an event.
    if (!this.logTimer) {
      this.logTimer = setTimeout(() => {
        this.logTimer = null;
        this.opts.onChange(this.info());
      }, 500);
      this.logTimer.unref();
    }
  }

  private update(patch: Partial<CoordinatorInfo>): CoordinatorInfo {
    this.current = { ...this.current, ...patch };
    const info = this.info();
    this.opts.onChange(info);
    return info;
  }
}

async function healthStatus(port: number, timeoutMs = 2000): Promise<number | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return null;
  }
}

async function servedModel(port: number): Promise<string | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/v1/models`, { signal: AbortSignal.timeout(5000) });
    const body = (await res.json()) as { data?: { id?: unknown }[] };
    const id = body.data?.[0]?.id;
    return typeof id === 'string' && id ? id : null;
  } catch {
    return null;
  }
}
