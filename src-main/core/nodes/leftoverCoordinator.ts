import fs from 'node:fs';

/**
 * A llama-server left running by a previous engine (killed, or crashed). Its --rpc endpoints were that
 * engine's SSH tunnels, which ended with it, so it cannot serve again: it is ended, and the reconciler
 * starts a new one over fresh tunnels. The pid is checked against its command line first, so a recycled
 * pid of another program is never signalled.
 */
export function leftoverCoordinatorRuns(pid: number, httpPort: number | null): boolean {
  let cmdline: string[];
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return false;
  }
  const stat = (() => {
    try {
      return fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return '';
    }
  })();
  if (/\) Z /.test(stat)) return false;
  if (!cmdline.includes('--rpc')) return false;
  if (httpPort === null) return true;
  const i = cmdline.indexOf('--port');
  return i >= 0 && cmdline[i + 1] === String(httpPort);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with how it ended. */
export async function endLeftoverCoordinator(pid: number, graceMs = 5_000): Promise<'TERM' | 'KILL' | 'gone'> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return 'gone';
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!alive(pid)) return 'TERM';
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return 'gone';
  }
  for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  return 'KILL';
}
