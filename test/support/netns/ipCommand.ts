import { execFile, execFileSync } from 'node:child_process';

/** iproute2's `ip`, by absolute path: test processes may run with a PATH that lacks /usr/sbin. */
export const IP_PATH = '/usr/sbin/ip';

/** Runs `ip ...`; on failure the error names the command and ip's own message. */
export function ipSync(args: string[]): string {
  try {
    return execFileSync(IP_PATH, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`ip ${args.join(' ')} failed: ${(e.stderr ?? '').trim() || e.message}`);
  }
}

/** Like ipSync but ignores "does not exist": for cleanup, which must get through everything. */
export function ipQuiet(args: string[]): void {
  try {
    execFileSync(IP_PATH, args, { stdio: 'ignore' });
  } catch {
    // already gone, or never made
  }
}

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A command inside a network namespace (`ip netns exec NS cmd ...`), with a time limit. */
export function execInNetns(netns: string, cmd: string, args: string[], options: { timeoutMs?: number; input?: string } = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = execFile(IP_PATH, ['netns', 'exec', netns, cmd, ...args], { timeout: options.timeoutMs ?? 15_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: unknown }).code as number | undefined) ?? null : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Pids of the processes whose network namespace is `netns`. */
export function pidsInNetns(netns: string): number[] {
  try {
    return ipSync(['netns', 'pids', netns]).split('\n').map((l) => Number(l.trim())).filter((n) => Number.isInteger(n) && n > 0);
  } catch {
    return [];
  }
}
