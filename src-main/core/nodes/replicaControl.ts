import type { RemoteShell } from './rpcServerControl.ts';
import { shellPath, shellQuote } from './shellQuote.ts';
import type { ExecResult } from './sshSession.ts';
import { NODE_STATE_DIR, detachedLaunchScript, launchOutcome } from './detachedLaunch.ts';

/**
 * A replica's llama-server on a node, as shell commands over the node's SSH session: find the binary, start it
 * detached (setsid + nohup) bound to the node's 127.0.0.1 on a port the kernel picks, with a pid file and a log
 * file under ~/.batchdeck/, read the port it listens on from its log, stop it by pid. Files are named by the
 * node's id, so several test "nodes" sharing one home never share them.
 */

const STATE_DIR = NODE_STATE_DIR;
const TIMEOUT_MS = 15_000;

export class ReplicaControlError extends Error {
  readonly logTail: string[];
  constructor(message: string, logTail: string[] = []) {
    super(message);
    this.name = 'ReplicaControlError';
    this.logTail = logTail;
  }
}

export function replicaFiles(nodeId: string): { pid: string; log: string; display: string } {
  if (!/^[A-Za-z0-9_-]+$/.test(nodeId)) throw new Error(`unexpected node id ${JSON.stringify(nodeId)}`);
  return { pid: `${STATE_DIR}/replica-${nodeId}.pid`, log: `${STATE_DIR}/replica-${nodeId}.log`, display: `~/.batchdeck/replica-${nodeId}.{pid,log}` };
}

/** `ours`: alive, not a zombie, and a llama-server (a recycled pid is someone else's process). */
const PRELUDE = `
alive() { kill -0 "$1" 2>/dev/null || return 1; if [ -r "/proc/$1/stat" ]; then case "$(sed 's/.*) //' "/proc/$1/stat" | cut -c1)" in Z) return 1;; esac; fi; return 0; }
cmdline() { if [ -r "/proc/$1/cmdline" ]; then tr '\\000' ' ' < "/proc/$1/cmdline"; else ps -p "$1" -o args= 2>/dev/null; fi; }
ours() { alive "$1" && cmdline "$1" | grep -q "llama-server"; }
`;

async function run(shell: RemoteShell, script: string, what: string): Promise<ExecResult> {
  const res = await shell.exec(`sh -c ${shellQuote(`${PRELUDE}\n${script}`)}`, { timeoutMs: TIMEOUT_MS });
  if (res.exitCode === 97) throw new ReplicaControlError(`${shell.where}: ${what}: could not create ~/.batchdeck on the node: ${res.stderr.trim()}`);
  return res;
}

/** The given path, else `llama-server` on the node's PATH or in ~/llama.cpp/build/bin. */
export async function findLlamaServer(shell: RemoteShell, path: string): Promise<string> {
  const script = path
    ? `B=${shellPath(path)}; if [ -x "$B" ] && [ -f "$B" ]; then echo "$B"; exit 0; fi; exit 3`
    : `p=$(command -v llama-server 2>/dev/null) && [ -n "$p" ] && { echo "$p"; exit 0; }
[ -x "$HOME/llama.cpp/build/bin/llama-server" ] && { echo "$HOME/llama.cpp/build/bin/llama-server"; exit 0; }
echo "PATH=$PATH"; exit 3`;
  const res = await run(shell, script, 'finding llama-server');
  if (res.exitCode === 0) return res.stdout.trim().split('\n').pop()!.trim();
  if (path) throw new ReplicaControlError(`${shell.where}: no executable llama-server at ${path} on the node. Give the path of llama-server on that node (--llama-server).`);
  throw new ReplicaControlError(`${shell.where}: llama-server not found on the node's PATH (${res.stdout.match(/PATH=(.*)/)?.[1] ?? '?'}) nor in ~/llama.cpp/build/bin. Build llama.cpp there or pass --llama-server PATH.`);
}

export async function checkModelReadable(shell: RemoteShell, model: string): Promise<void> {
  const res = await run(shell, `[ -r ${shellPath(model)} ] && [ -f ${shellPath(model)} ]`, 'checking the model');
  if (res.exitCode !== 0) throw new ReplicaControlError(`${shell.where}: the model ${model} is not a readable file on the node. Copy it there, or give its path on that node.`);
}

/** The pid in the pid file when that process is a live llama-server. */
export async function replicaPid(shell: RemoteShell, nodeId: string): Promise<number | null> {
  const f = replicaFiles(nodeId);
  const res = await run(shell, `P=$(cat ${f.pid} 2>/dev/null); if [ -n "$P" ] && ours "$P"; then echo "PID $P"; else echo NONE; fi`, 'reading the replica pid file');
  const m = res.stdout.match(/PID (\d+)/);
  return m ? Number(m[1]) : null;
}

/**
 * Starts llama-server detached, or reports the one already running from our pid file (adopted, not restarted).
 * `--port 0`: the kernel picks a free port on the node; the log says which (see listeningPort).
 */
export async function launchReplica(shell: RemoteShell, nodeId: string, binary: string, args: readonly string[]): Promise<{ pid: number; adopted: boolean }> {
  const f = replicaFiles(nodeId);
  const script = detachedLaunchScript(f, [binary, ...args].map(shellQuote).join(' '));
  const res = await run(shell, script, 'starting llama-server');
  const outcome = launchOutcome(res.stdout);
  if (!outcome) throw new ReplicaControlError(`${shell.where}: starting ${binary} failed (exit ${res.exitCode}): ${(res.stderr || res.stdout).trim().slice(0, 500)}`);
  return outcome;
}

export async function replicaLogTail(shell: RemoteShell, nodeId: string, lines = 30): Promise<string[]> {
  try {
    const res = await run(shell, `tail -n ${Math.max(1, Math.min(500, Math.trunc(lines)))} ${replicaFiles(nodeId).log} 2>/dev/null`, 'reading the replica log');
    return res.stdout.split('\n').filter((l) => l.length > 0);
  } catch {
    return [];
  }
}

/** llama-server logs "listening on http://127.0.0.1:PORT" once its HTTP server is up and the model loaded. */
export async function listeningPort(shell: RemoteShell, nodeId: string): Promise<number | null> {
  const res = await run(shell, `grep -o 'listening on http://[^ ]*' ${replicaFiles(nodeId).log} 2>/dev/null | tail -n 1`, 'reading the replica log');
  const m = res.stdout.match(/listening on http:\/\/[^\s]*:(\d+)/);
  return m ? Number(m[1]) : null;
}

/** SIGTERM, up to 5 s, then SIGKILL; confirmed gone. */
export async function stopReplica(shell: RemoteShell, nodeId: string): Promise<{ pid: number | null }> {
  const f = replicaFiles(nodeId);
  const script = `
P=$(cat ${f.pid} 2>/dev/null)
if [ -z "$P" ] || ! ours "$P"; then rm -f ${f.pid}; echo "NOTRUNNING"; exit 0; fi
kill -TERM "$P" 2>/dev/null
i=0; while alive "$P" && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
if alive "$P"; then kill -KILL "$P" 2>/dev/null; i=0; while alive "$P" && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; fi
if alive "$P"; then echo "ALIVE $P"; exit 1; fi
rm -f ${f.pid}
echo "STOPPED $P"
`;
  const res = await run(shell, script, 'stopping llama-server');
  if (res.stdout.includes('NOTRUNNING')) return { pid: null };
  const stopped = res.stdout.match(/STOPPED (\d+)/);
  if (stopped) return { pid: Number(stopped[1]) };
  throw new ReplicaControlError(`${shell.where}: llama-server ${res.stdout.match(/ALIVE (\d+)/)?.[1] ?? ''} is still running after SIGTERM and SIGKILL; stop it on the node.`);
}
