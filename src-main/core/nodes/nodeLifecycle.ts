import { ApiError, type ApiErrorBody } from '../../../shared/contract/index.ts';
import type { NodeProbe } from '../../../shared/nodes.ts';
import type { AlertSink } from '../events/alertSink.ts';
import type { NodeRuntime } from './nodeRuntime.ts';
import {
  RpcControlError, findListenerPid, findRpcServer, isAlive, launchRpcServer, readLogTail, remoteStatus,
  stateFiles, stopRpcServer, writePidFile,
} from './rpcServerControl.ts';
import { exitCause } from './exitCause.ts';
import { rpcServerStoppedAlert, type NodeRecovery } from './nodeDownAlert.ts';
import { CONNECT_TIMEOUT_MARK } from './rpcProbe.ts';
import { SshError } from './sshErrors.ts';
import type { SshSession } from './sshSession.ts';

/**
 * The flows on one node: connect, start (or adopt), stop, refresh, check. Each leaves the runtime in a
 * state the operator can read (and calls `changed` whenever it moves), and none leaves a half-started
 * rpc-server behind: a start that is not confirmed by the probe is stopped again.
 */
export interface LifecycleContext {
  changed: (rt: NodeRuntime) => void;
  alerts: AlertSink;
  startTimeoutMs: number;
  coordinatorUsesNode: (id: string) => boolean;
  /**
   * The coordinator holds this node's rpc-server (its single connection): then no probe may connect. A probe
   * that times out leaves a dead connection in rpc-server's accept queue, which it takes (and writes to) as
   * soon as the coordinator lets go. Returns since when it holds it, or null.
   */
  coordinatorHolds: (id: string) => number | null;
  /** Whether a crashed rpc-server on this node is brought back by itself: the down alert says what comes next. */
  recovery: (id: string) => NodeRecovery;
}

const LAN_WARNING = 'rpc-server has no authentication: anyone who can reach this address and port can use it ' +
  '(rpc-server itself warns: "Never expose the RPC server to an open network!"). Prefer the SSH tunnel mode.';

export function downAlertKey(id: string): string {
  return `node:${id}:down`;
}
export function hostKeyAlertKey(id: string): string {
  return `node:${id}:hostkey`;
}

function set(ctx: LifecycleContext, rt: NodeRuntime, patch: Partial<Pick<NodeRuntime, 'state' | 'message' | 'pid' | 'probe' | 'logTail' | 'pendingHostKey' | 'wasRunning' | 'downCause'>>): void {
  Object.assign(rt, patch);
  ctx.changed(rt);
}

function apiCode(err: SshError): ApiErrorBody['code'] {
  switch (err.kind) {
    case 'host-key-unknown':
    case 'host-key-changed':
      return 'conflict';
    case 'auth':
      return 'forbidden';
    default:
      return 'unavailable';
  }
}

/** Puts an SSH failure on the node (state, message, pending key, alert) and returns the error to throw. */
export function applySshFailure(ctx: LifecycleContext, rt: NodeRuntime, err: unknown): ApiError {
  if (err instanceof ApiError) {
    set(ctx, rt, { state: 'error', message: err.message });
    return err;
  }
  if (!(err instanceof SshError)) {
    const message = `${rt.where}: ${(err as Error).message ?? String(err)}`;
    set(ctx, rt, { state: 'error', message });
    return new ApiError({ code: 'internal', message });
  }
  if (err.permanent) rt.dropSession();
  switch (err.kind) {
    case 'host-key-unknown':
      set(ctx, rt, { state: 'unknown', pendingHostKey: err.presentedKey, message: err.message });
      break;
    case 'host-key-changed':
      set(ctx, rt, { state: 'error', pendingHostKey: err.presentedKey, message: err.message });
      ctx.alerts.raise({ key: hostKeyAlertKey(rt.record.id), severity: 'critical', source: 'node', message: err.message });
      break;
    case 'auth':
      set(ctx, rt, { state: 'error', message: err.message });
      break;
    default:
      set(ctx, rt, { state: 'unreachable', message: err.message });
  }
  return new ApiError({ code: apiCode(err), message: err.message });
}

export async function connect(ctx: LifecycleContext, rt: NodeRuntime): Promise<SshSession> {
  let session: SshSession;
  try {
    session = rt.sessionOrCreate();
    await session.ready();
  } catch (err) {
    throw applySshFailure(ctx, rt, err);
  }
  if (rt.pendingHostKey) set(ctx, rt, { pendingHostKey: null });
  ctx.alerts.clear(hostKeyAlertKey(rt.record.id));
  return session;
}

function runningMessage(rt: NodeRuntime, note: string | null): string | null {
  const parts = [note, rt.record.bind === 'lan' ? LAN_WARNING : null].filter(Boolean);
  return parts.length ? parts.join(' ') : null;
}

function busyMessage(ctx: LifecycleContext, rt: NodeRuntime): string {
  return ctx.coordinatorUsesNode(rt.record.id)
    ? 'busy: the coordinator holds rpc-server\'s single connection'
    : 'busy: another client holds rpc-server\'s single connection (a coordinator not started by Batchdeck?)';
}

async function markRunning(ctx: LifecycleContext, rt: NodeRuntime, session: SshSession, pid: number | null, probe: NodeProbe, note: string | null): Promise<void> {
  const logTail = await readLogTail(session, rt.record.rpcPort, 20);
  ctx.alerts.clear(downAlertKey(rt.record.id));
  set(ctx, rt, {
    state: probe.busy ? 'busy' : 'running',
    pid,
    probe: rt.probe ?? probe,
    logTail,
    wasRunning: false,
    downCause: null,
    message: probe.busy ? busyMessage(ctx, rt) : runningMessage(rt, note),
  });
}

/** A log tail that says the bind failed: rpc-server exits 0 then, so the log is the only witness. */
function bindFailed(lines: string[]): boolean {
  return lines.some((l) => /Failed to create server socket|address already in use|EADDRINUSE|bind/i.test(l));
}

function startFailure(ctx: LifecycleContext, rt: NodeRuntime, message: string, logTail: string[], code: ApiErrorBody['code']): ApiError {
  set(ctx, rt, { state: 'error', message, logTail, pid: null });
  const tail = logTail.length ? `\nLast lines of ${stateFiles(rt.record.rpcPort).display.log} on the node:\n${logTail.slice(-10).join('\n')}` : '';
  return new ApiError({ code, message: `${message}${tail}` });
}

/**
 * Start: adopt an rpc-server that already runs (pid file alive, or the port answering HELLO); otherwise
 * find the binary, launch it detached, and confirm with the probe. A launch the probe does not confirm
 * within the timeout is stopped again, and the log tail says why.
 */
export async function startNode(ctx: LifecycleContext, rt: NodeRuntime): Promise<void> {
  const r = rt.record;
  set(ctx, rt, { state: 'starting', message: 'connecting over SSH' });
  const session = await connect(ctx, rt);
  let bindHost: string;
  try {
    bindHost = await rt.bindHost();
    await rt.ensureEndpoint(session);
  } catch (err) {
    throw applySshFailure(ctx, rt, err);
  }

  try {
    const existing = await remoteStatus(session, r.rpcPort);
    if (existing.pid !== null) {
      set(ctx, rt, { message: `found rpc-server already running (pid ${existing.pid}); confirming with the probe` });
      await confirm(ctx, rt, session, existing.pid, `adopted the rpc-server that was already running (pid ${existing.pid})`);
      return;
    }
    const answering = await rt.runProbe(session);
    if (answering.ok) {
      // Started by hand or by an earlier Batchdeck without our pid file: adopt it, and learn its pid for Stop.
      const pid = await findListenerPid(session, r.rpcPort);
      if (pid !== null) await writePidFile(session, r.rpcPort, pid);
      await markRunning(ctx, rt, session, pid, answering,
        `adopted an rpc-server that was already listening on port ${r.rpcPort}${pid === null ? ' (its pid could not be found: Stop will not be able to end it)' : ` (pid ${pid})`}`);
      return;
    }

    set(ctx, rt, { message: 'looking for the rpc-server binary' });
    const binary = await findRpcServer(session, r.rpcServerPath);
    set(ctx, rt, { message: `starting ${binary}` });
    const launched = await launchRpcServer(session, { rpcServerPath: r.rpcServerPath, rpcPort: r.rpcPort, bindHost, devices: r.devices, cache: r.cache }, binary);
    set(ctx, rt, { pid: launched.pid, message: `started ${binary} (pid ${launched.pid}); confirming with the protocol probe` });
    await confirm(ctx, rt, session, launched.pid, launched.alreadyRunning ? `adopted the rpc-server that was already running (pid ${launched.pid})` : null);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (err instanceof RpcControlError) {
      throw startFailure(ctx, rt, err.message, err.logTail, err.kind === 'binary-missing' ? 'not_found' : 'unavailable');
    }
    throw applySshFailure(ctx, rt, err);
  }
}

/**
 * Waits until the probe answers and our process is alive. A fresh start must answer HELLO itself: a port
 * that accepts and stays silent may be someone else's listener while ours is dying of the failed bind.
 * An adopted rpc-server may be busy (a coordinator holds it).
 */
async function confirm(ctx: LifecycleContext, rt: NodeRuntime, session: SshSession, pid: number, note: string | null, fresh = note === null): Promise<void> {
  const r = rt.record;
  const deadline = Date.now() + ctx.startTimeoutMs;
  const endpoint = `${await rt.bindHost()}:${r.rpcPort}`;
  for (;;) {
    const probe = await rt.runProbe(session);
    if (probe.ok || (probe.busy && !fresh)) {
      // Only ours counts: a port answered by some other process while ours died is not a start.
      if (await isAlive(session, r.rpcPort, pid)) {
        await markRunning(ctx, rt, session, pid, probe, note);
        return;
      }
    }
    if (!(await isAlive(session, r.rpcPort, pid))) {
      const logTail = await readLogTail(session, r.rpcPort, 20);
      const message = bindFailed(logTail)
        ? `${rt.where}: rpc-server could not listen on ${endpoint}: the port is in use on the node. rpc-server exits with status 0 when it cannot bind, so only the probe and its log tell. Stop what holds port ${r.rpcPort} there, or choose another RPC port.`
        : `${rt.where}: rpc-server exited right after starting, before it answered the protocol probe. See its log below.`;
      await stopRpcServer(session, r.rpcPort).catch(() => undefined);
      throw startFailure(ctx, rt, message, logTail, bindFailed(logTail) ? 'conflict' : 'unavailable');
    }
    if (Date.now() > deadline) {
      const logTail = await readLogTail(session, r.rpcPort, 20);
      await stopRpcServer(session, r.rpcPort).catch(() => undefined);
      throw startFailure(ctx, rt,
        `${rt.where}: rpc-server (pid ${pid}) did not answer the protocol probe within ${Math.round(ctx.startTimeoutMs / 1000)} s (${probe.error ?? 'no answer'}); it was stopped again.`,
        logTail, 'unavailable');
    }
    await new Promise((res) => setTimeout(res, 200));
  }
}

/** Stop by pid (TERM, then KILL), then confirm with the probe that nothing answers any more. */
export async function stopNode(ctx: LifecycleContext, rt: NodeRuntime): Promise<void> {
  const r = rt.record;
  if (ctx.coordinatorUsesNode(r.id)) {
    throw new ApiError({ code: 'conflict', message: `${rt.where} is in use by the running coordinator (llama-server would abort). Stop the coordinator first.` });
  }
  const before = rt.state;
  set(ctx, rt, { state: 'stopping', message: 'stopping rpc-server' });
  const session = await connect(ctx, rt);
  try {
    const res = await stopRpcServer(session, r.rpcPort);
    const probe = await rt.runProbe(session);
    if (probe.ok || probe.busy) {
      const message = `${rt.where}: something still answers on port ${r.rpcPort} after stopping${res.pid ? ` pid ${res.pid}` : ''}: an rpc-server Batchdeck did not start and whose pid is unknown. Stop it on the node.`;
      set(ctx, rt, { state: probe.busy ? 'busy' : 'running', message, probe });
      throw new ApiError({ code: 'conflict', message });
    }
    ctx.alerts.clear(downAlertKey(r.id));
    const logTail = await readLogTail(session, r.rpcPort, 20);
    set(ctx, rt, {
      state: 'stopped', pid: null, probe: null, logTail, wasRunning: false, downCause: null,
      message: res.how === 'KILL' ? `rpc-server (pid ${res.pid}) did not exit on SIGTERM within 5 s and was killed` : null,
    });
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (err instanceof RpcControlError) {
      set(ctx, rt, { state: before === 'stopping' ? 'error' : before, message: err.message });
      throw new ApiError({ code: 'unavailable', message: err.message });
    }
    throw applySshFailure(ctx, rt, err);
  }
}

/**
 * What is true on the node now, without changing anything: used on start-up, after a host key is
 * accepted, and when a dropped session comes back.
 */
export async function refreshNode(ctx: LifecycleContext, rt: NodeRuntime): Promise<void> {
  const session = await connect(ctx, rt);
  try {
    await rt.ensureEndpoint(session);
    const status = await remoteStatus(session, rt.record.rpcPort);
    const probe = await rt.runProbe(session);
    // Silence alone (busy) proves nothing without our live pid: it may be any program holding the port.
    if (probe.ok || (probe.busy && status.pid !== null)) {
      let pid = status.pid;
      if (pid === null) {
        pid = await findListenerPid(session, rt.record.rpcPort);
        if (pid !== null) await writePidFile(session, rt.record.rpcPort, pid);
      }
      await markRunning(ctx, rt, session, pid, probe, status.pid === null ? 'found running on the node (not started from this pid file)' : null);
    } else if (status.pid !== null) {
      set(ctx, rt, { state: 'error', pid: status.pid, message: `${rt.where}: rpc-server (pid ${status.pid}) runs but does not answer the protocol probe: ${probe.error}` });
    } else if (probe.busy) {
      set(ctx, rt, {
        state: 'stopped', pid: null, probe, wasRunning: false,
        message: `port ${rt.record.rpcPort} on the node accepts connections but does not answer HELLO: another program holds it, or an rpc-server Batchdeck did not start is busy with a client`,
      });
    } else {
      set(ctx, rt, { state: 'stopped', pid: null, probe: null, message: null, wasRunning: false });
    }
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw applySshFailure(ctx, rt, err);
  }
}

export function clockTime(at: number): string {
  return new Date(at).toTimeString().slice(0, 8);
}

/**
 * Health of an rpc-server the coordinator holds, without touching its port: its process is alive (`kill -0`
 * over SSH) and the SSH session answers. The UI keeps the last probe's version, latency and device memory.
 */
async function checkHeldNode(ctx: LifecycleContext, rt: NodeRuntime, session: SshSession, since: number): Promise<void> {
  const port = rt.record.rpcPort;
  const pid = rt.pid ?? (await remoteStatus(session, port)).pid;
  // An rpc-server adopted without a pid (no pid file, no ss/fuser on the node) cannot be looked at: the
  // coordinator's own health speaks for it then.
  const alive = pid === null ? rt.state === 'running' || rt.state === 'busy' : await isAlive(session, port, pid);
  if (alive) {
    ctx.alerts.clear(downAlertKey(rt.record.id));
    rt.heldSince = since;
    set(ctx, rt, {
      state: 'busy', pid, wasRunning: false,
      probe: rt.heldProbe(`not probed: the coordinator holds rpc-server's single connection since ${clockTime(since)}`),
      message: `held by the coordinator since ${clockTime(since)} (${pid === null ? 'its pid is unknown' : `process ${pid} alive`}; not probed while held)`,
    });
    return;
  }
  rt.heldSince = null;
  const logTail = await readLogTail(session, port, 20);
  const message = `${rt.where}: rpc-server stopped unexpectedly under the coordinator${pid ? ` (pid ${pid} is gone)` : ''}.${logTail.length ? ' The last lines of its log are on the Nodes view.' : ''}`;
  set(ctx, rt, { state: 'error', message, logTail, pid: null, wasRunning: false, downCause: goneCause(pid, logTail) });
  raiseDownAlert(ctx, rt);
}

/** Why rpc-server is down, for the alert: its process is gone, and what its log said last (when it said why). */
function goneCause(pid: number | null, logTail: string[]): string {
  const said = exitCause(logTail);
  return `its process${pid ? ` (pid ${pid})` : ''} is gone${said ? `; its log ends with "${said}"` : ''}`;
}

export function raiseDownAlert(ctx: LifecycleContext, rt: NodeRuntime): void {
  if (!rt.downCause) return;
  const message = rpcServerStoppedAlert(rt.record.name, rt.downCause, ctx.recovery(rt.record.id));
  ctx.alerts.raise({ key: downAlertKey(rt.record.id), severity: 'critical', source: 'node', message });
}

/** The periodic health check of a node that should be running. */
export async function checkNode(ctx: LifecycleContext, rt: NodeRuntime): Promise<void> {
  const session = await connect(ctx, rt);
  try {
    await rt.ensureEndpoint(session);
    const heldSince = ctx.coordinatorHolds(rt.record.id);
    if (heldSince !== null) {
      await checkHeldNode(ctx, rt, session, heldSince);
      return;
    }
    rt.heldSince = null;
    const probe = await rt.runProbe(session);
    if (probe.ok || probe.busy) {
      if (rt.state !== 'running' && rt.state !== 'busy') {
        await markRunning(ctx, rt, session, rt.pid, probe, null);
        return;
      }
      ctx.alerts.clear(downAlertKey(rt.record.id));
      // A note from the start (adopted, killed after TERM...) stays while nothing changed.
      const keep = rt.state === 'running' && probe.ok;
      set(ctx, rt, {
        state: probe.busy ? 'busy' : 'running',
        probe: rt.probe ?? probe,
        wasRunning: false,
        message: keep ? rt.message : probe.busy ? busyMessage(ctx, rt) : runningMessage(rt, null),
      });
      return;
    }
    const alive = rt.pid !== null && (await isAlive(session, rt.record.rpcPort, rt.pid));
    if (alive && probe.error?.includes(CONNECT_TIMEOUT_MARK)) {
      // Its one connection is taken and its accept queue is full: busy, not broken.
      set(ctx, rt, { state: 'busy', probe: { ...(rt.probe ?? probe), busy: true }, wasRunning: false, message: busyMessage(ctx, rt) });
      return;
    }
    const logTail = await readLogTail(session, rt.record.rpcPort, 20);
    const message = alive
      ? `${rt.where}: rpc-server (pid ${rt.pid}) runs but no longer answers the protocol probe: ${probe.error}`
      : `${rt.where}: rpc-server stopped unexpectedly${rt.pid ? ` (pid ${rt.pid} is gone)` : ''}: ${probe.error}. Start it again.`;
    if (alive) {
      set(ctx, rt, { state: 'error', message, logTail, wasRunning: false, downCause: null });
      ctx.alerts.raise({ key: downAlertKey(rt.record.id), severity: 'critical', source: 'node', message });
      return;
    }
    const cause = rt.pid ? goneCause(rt.pid, logTail) : `nothing answers on its port ${rt.record.rpcPort} any more (${probe.error})`;
    set(ctx, rt, { state: 'error', message, logTail, pid: null, wasRunning: false, downCause: cause });
    raiseDownAlert(ctx, rt);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw applySshFailure(ctx, rt, err);
  }
}
