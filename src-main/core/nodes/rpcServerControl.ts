import { shellPath, shellQuote } from './shellQuote.ts';
import type { ExecResult } from './sshSession.ts';
import { NODE_STATE_DIR, detachedLaunchScript, launchOutcome } from './detachedLaunch.ts';

/**
 * rpc-server's lifecycle on a node, as shell commands over the node's SSH session: find the binary, start
 * it detached with a pid file and a log file under ~/.batchdeck/, read the log, stop it by pid.
 * Confirming that it runs is the probe's job (rpc-server exits 0 even when it cannot bind), so nothing here
 * claims success from an exit status alone.
 */

export interface RemoteShell {
  exec(command: string, options: { timeoutMs: number }): Promise<ExecResult>;
  /** "SSH to gpu-1 (user@host:22)", for messages. */
  readonly where: string;
}

export type RpcControlFailure = 'binary-missing' | 'launch-failed' | 'stop-failed' | 'command-failed';

export class RpcControlError extends Error {
  readonly kind: RpcControlFailure;
  readonly logTail: string[];
  constructor(kind: RpcControlFailure, message: string, logTail: string[] = []) {
    super(message);
    this.name = 'RpcControlError';
    this.kind = kind;
    this.logTail = logTail;
  }
}

export interface RpcServerSpec {
  /** Empty: find it on the node. */
  rpcServerPath: string;
  rpcPort: number;
  /** 127.0.0.1 (tunnel mode) or the node's LAN address. */
  bindHost: string;
  devices: string;
  cache: boolean;
}

const STATE_DIR = NODE_STATE_DIR;
const TIMEOUT_MS = 15_000;

/** Per port, so several rpc-servers (or several test "nodes" sharing one home) never share files. */
export function stateFiles(rpcPort: number): { pid: string; log: string; display: { pid: string; log: string } } {
  return {
    pid: `${STATE_DIR}/rpc-server-${rpcPort}.pid`,
    log: `${STATE_DIR}/rpc-server-${rpcPort}.log`,
    display: { pid: `~/.batchdeck/rpc-server-${rpcPort}.pid`, log: `~/.batchdeck/rpc-server-${rpcPort}.log` },
  };
}

/**
 * Shell helpers every script starts with. `alive` treats a zombie as dead (a node whose init does not reap
 * would otherwise keep a killed rpc-server "alive"), and `ours` guards against a recycled pid: the process
 * must look like an rpc-server (its name, or our port on its command line).
 */
const PRELUDE = `
alive() { kill -0 "$1" 2>/dev/null || return 1; if [ -r "/proc/$1/stat" ]; then case "$(sed 's/.*) //' "/proc/$1/stat" | cut -c1)" in Z) return 1;; esac; fi; return 0; }
cmdline() { if [ -r "/proc/$1/cmdline" ]; then tr '\\000' ' ' < "/proc/$1/cmdline"; else ps -p "$1" -o args= 2>/dev/null; fi; }
ours() { alive "$1" && cmdline "$1" | grep -qE "rpc-server|[ =]$PORT( |$)"; }
`;

async function run(shell: RemoteShell, script: string, what: string, rpcPort = 0): Promise<ExecResult> {
  // Through `sh -c`: the login shell of the node's user may not be a POSIX shell (fish, csh).
  const body = `PORT=${shellQuote(String(rpcPort))}\n${PRELUDE}\n${script}`;
  const res = await shell.exec(`sh -c ${shellQuote(body)}`, { timeoutMs: TIMEOUT_MS });
  if (res.exitCode === 97) {
    throw new RpcControlError('command-failed', `${shell.where}: ${what}: could not create ~/.batchdeck on the node: ${res.stderr.trim()}`);
  }
  return res;
}

/** `ggml-rpc-server` (new builds), `rpc-server` (older), on PATH or under ~/llama.cpp/build/bin. */
export async function findRpcServer(shell: RemoteShell, rpcServerPath: string): Promise<string> {
  const script = rpcServerPath
    ? `B=${shellPath(rpcServerPath)}; if [ -x "$B" ] && [ -f "$B" ]; then echo "$B"; exit 0; fi; echo "PATH=$PATH"; exit 3`
    : `for n in ggml-rpc-server rpc-server; do p=$(command -v "$n" 2>/dev/null) && [ -n "$p" ] && { echo "$p"; exit 0; }; done
for p in "$HOME/llama.cpp/build/bin/ggml-rpc-server" "$HOME/llama.cpp/build/bin/rpc-server"; do [ -x "$p" ] && { echo "$p"; exit 0; }; done
echo "PATH=$PATH"; exit 3`;
  const res = await run(shell, script, 'finding rpc-server');
  if (res.exitCode === 0) return res.stdout.trim().split('\n').pop()!.trim();
  const seenPath = res.stdout.match(/PATH=(.*)/)?.[1] ?? '(unknown)';
  if (rpcServerPath) {
    throw new RpcControlError('binary-missing',
      `${shell.where}: rpc-server not found at ${rpcServerPath} (no executable file there). Fix the rpc-server path in the node's settings, or leave it empty to look for ggml-rpc-server / rpc-server on PATH.`);
  }
  throw new RpcControlError('binary-missing',
    `${shell.where}: rpc-server not found: looked for ggml-rpc-server and rpc-server on the node's PATH (${seenPath}) and in ~/llama.cpp/build/bin. ` +
    'Build llama.cpp with -DGGML_RPC=ON on the node, or set the rpc-server path in the node\'s settings.');
}

export interface RemoteRpcStatus {
  /** The pid in the pid file, when that process is alive and is an rpc-server. */
  pid: number | null;
}

export async function remoteStatus(shell: RemoteShell, rpcPort: number): Promise<RemoteRpcStatus> {
  const f = stateFiles(rpcPort);
  const res = await run(shell, `P=$(cat ${f.pid} 2>/dev/null); if [ -n "$P" ] && ours "$P"; then echo "PID $P"; else echo NONE; fi`, 'reading the pid file', rpcPort);
  const m = res.stdout.match(/PID (\d+)/);
  return { pid: m ? Number(m[1]) : null };
}

export async function isAlive(shell: RemoteShell, rpcPort: number, pid: number): Promise<boolean> {
  const res = await run(shell, `if ours ${shellQuote(String(pid))}; then echo ALIVE; else echo DEAD; fi`, 'checking the rpc-server process', rpcPort);
  return res.stdout.includes('ALIVE');
}

export interface LaunchResult {
  pid: number;
  binary: string;
  /** An rpc-server from our pid file was already running; nothing was started. */
  alreadyRunning: boolean;
}

/** The command line, built from validated fields, each quoted. llama.cpp's flags: -H -p [-d] [-c]. */
export function rpcServerArgs(spec: RpcServerSpec): string[] {
  const args = ['-H', spec.bindHost, '-p', String(spec.rpcPort)];
  if (spec.devices) args.push('-d', spec.devices);
  if (spec.cache) args.push('-c');
  return args;
}

/**
 * rpc-server writes its reply to whichever client it accepts next; one that has gone away (a timed-out
 * probe, a dead tunnel) would kill it with SIGPIPE. An ignored signal stays ignored across exec, so the
 * binary itself runs with SIGPIPE ignored (it then logs "send failed" and serves the next client), under
 * the same pid that `$!` reports.
 */
const IGNORE_SIGPIPE = 'trap "" PIPE; exec "$0" "$@"';

/** Starts rpc-server detached (setsid + nohup, SIGPIPE ignored), output to the log file, pid to the pid file. */
export async function launchRpcServer(shell: RemoteShell, spec: RpcServerSpec, binary: string): Promise<LaunchResult> {
  const f = stateFiles(spec.rpcPort);
  const args = rpcServerArgs(spec).map(shellQuote).join(' ');
  const script = detachedLaunchScript(f, `sh -c ${shellQuote(IGNORE_SIGPIPE)} ${shellQuote(binary)} ${args}`);
  const res = await run(shell, script, 'starting rpc-server', spec.rpcPort);
  const outcome = launchOutcome(res.stdout);
  if (!outcome) {
    throw new RpcControlError('launch-failed', `${shell.where}: starting ${binary} failed (exit ${res.exitCode}): ${(res.stderr || res.stdout).trim().slice(0, 500)}`);
  }
  return { pid: outcome.pid, binary, alreadyRunning: outcome.adopted };
}

export async function readLogTail(shell: RemoteShell, rpcPort: number, lines = 20): Promise<string[]> {
  const f = stateFiles(rpcPort);
  try {
    const res = await run(shell, `tail -n ${Math.max(1, Math.min(500, Math.trunc(lines)))} ${f.log} 2>/dev/null`, 'reading the rpc-server log');
    return res.stdout.split('\n').filter((l) => l.length > 0);
  } catch {
    return [];
  }
}

/** Records a pid for an rpc-server found running without our pid file, so Stop can find it later. */
export async function writePidFile(shell: RemoteShell, rpcPort: number, pid: number): Promise<void> {
  const f = stateFiles(rpcPort);
  await run(shell, `mkdir -p ${STATE_DIR} || exit 97; echo ${shellQuote(String(pid))} > ${f.pid}`, 'writing the pid file');
}

/** The pid of whatever listens on the TCP port, via ss or fuser when the node has them. */
export async function findListenerPid(shell: RemoteShell, rpcPort: number): Promise<number | null> {
  const port = shellQuote(String(rpcPort));
  const script = `
if command -v ss >/dev/null 2>&1; then ss -ltnpH "sport = :${port}" 2>/dev/null | sed -n 's/.*pid=\\([0-9]*\\).*/\\1/p' | head -n1; fi
if command -v fuser >/dev/null 2>&1; then fuser -n tcp ${port} 2>/dev/null | tr -s ' ' '\\n' | grep -E '^[0-9]+$' | head -n1; fi
`;
  const res = await run(shell, script, 'finding the rpc-server process', rpcPort);
  const first = res.stdout.split('\n').map((l) => l.trim()).find((l) => /^\d+$/.test(l));
  if (!first) return null;
  // Only an rpc-server's pid is worth recording: Stop will signal whatever the pid file names.
  return (await isAlive(shell, rpcPort, Number(first))) ? Number(first) : null;
}

export interface StopResult {
  pid: number | null;
  /** 'not-running': no live rpc-server in the pid file; otherwise the signal that ended it. */
  how: 'not-running' | 'TERM' | 'KILL';
}

/** SIGTERM, up to 5 s to exit, then SIGKILL; confirmed by checking the process is gone. */
export async function stopRpcServer(shell: RemoteShell, rpcPort: number): Promise<StopResult> {
  const f = stateFiles(rpcPort);
  const script = `
P=$(cat ${f.pid} 2>/dev/null)
if [ -z "$P" ] || ! ours "$P"; then rm -f ${f.pid}; echo "NOTRUNNING"; exit 0; fi
kill -TERM "$P" 2>/dev/null
i=0; while alive "$P" && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
H=TERM
if alive "$P"; then kill -KILL "$P" 2>/dev/null; H=KILL; i=0; while alive "$P" && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; fi
if alive "$P"; then echo "ALIVE $P"; exit 1; fi
rm -f ${f.pid}
echo "STOPPED $P $H"
`;
  const res = await run(shell, script, 'stopping rpc-server', rpcPort);
  if (res.stdout.includes('NOTRUNNING')) return { pid: null, how: 'not-running' };
  const stopped = res.stdout.match(/STOPPED (\d+) (TERM|KILL)/);
  if (stopped) return { pid: Number(stopped[1]), how: stopped[2] as 'TERM' | 'KILL' };
  const alive = res.stdout.match(/ALIVE (\d+)/);
  throw new RpcControlError('stop-failed',
    alive
      ? `${shell.where}: rpc-server (pid ${alive[1]}) is still running after SIGTERM and SIGKILL. It may belong to another user; stop it on the node.`
      : `${shell.where}: stopping rpc-server failed (exit ${res.exitCode}): ${(res.stderr || res.stdout).trim().slice(0, 500)}`);
}
