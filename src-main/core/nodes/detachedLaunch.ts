/** Where a node keeps the pid and log files of what Batchdeck started there (its SSH user's home). */
export const NODE_STATE_DIR = '"$HOME"/.batchdeck';

/**
 * The script that starts a program detached on a node (setsid + nohup, so it outlives the SSH session), its
 * output to the log file (the previous one kept as .1) and its pid to the pid file, unless the pid file
 * names one of ours that still runs: that one is adopted, not started twice. It expects a shell function
 * `ours PID` defined before it; `command` is already POSIX-quoted.
 */
export function detachedLaunchScript(files: { pid: string; log: string }, command: string): string {
  return `
mkdir -p ${NODE_STATE_DIR} || exit 97
P=$(cat ${files.pid} 2>/dev/null)
if [ -n "$P" ] && ours "$P"; then echo "RUNNING $P"; exit 0; fi
if command -v setsid >/dev/null 2>&1; then S=setsid; else S=; fi
[ -f ${files.log} ] && mv -f ${files.log} ${files.log}.1
nohup $S ${command} </dev/null >${files.log} 2>&1 &
echo $! > ${files.pid}
echo "STARTED $!"
`;
}

/** What the launch script reported: the pid and whether it was already running, or null when it did neither. */
export function launchOutcome(stdout: string): { pid: number; adopted: boolean } | null {
  const running = stdout.match(/RUNNING (\d+)/);
  if (running) return { pid: Number(running[1]), adopted: true };
  const started = stdout.match(/STARTED (\d+)/);
  return started ? { pid: Number(started[1]), adopted: false } : null;
}
