import { execFile } from 'node:child_process';

export interface CommandResult {
  stdout: string;
  stderr: string;
  /** The exit status; a non-zero status resolves (it is the command's answer), it does not reject. */
  exitCode: number;
}

export interface CommandOptions {
  timeoutMs: number;
  /** Aborting stops the command and rejects with code 'ABORT_ERR'. */
  signal?: AbortSignal;
}

/**
 * Runs a command somewhere (this machine, or a node over SSH) and collects its output. Rejects with a
 * CommandError when the command could not give an answer: 'ENOENT' (no such command), 'ETIMEDOUT'
 * (still running after timeoutMs; it has been killed), 'ABORT_ERR', or another error code.
 */
export interface CommandRunner {
  run(file: string, args: string[], opts: CommandOptions): Promise<CommandResult>;
}

export type CommandErrorCode = 'ENOENT' | 'ETIMEDOUT' | 'ABORT_ERR' | (string & {});

export class CommandError extends Error {
  override name = 'CommandError';
  readonly code: CommandErrorCode;

  constructor(code: CommandErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

// `nvidia-smi -q -x` prints about 30 KB per GPU, more with many processes; 8 GPUs stay under 1 MB.
// The margin is for hosts with more GPUs or long process lists, not a guess at what 8 GPUs need.
const MAX_BUFFER_BYTES = 32 * 1024 * 1024;

interface ExecError extends Error {
  code?: string | number | null;
  signal?: NodeJS.Signals | null;
}

function commandLine(file: string, args: string[]): string {
  return [file, ...args].join(' ');
}

/** Runs commands on this machine with execFile (no shell, so arguments are never interpreted). */
export const localCommandRunner: CommandRunner = {
  run(file, args, opts) {
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        fn();
      };

      const child = execFile(
        file,
        args,
        { encoding: 'utf8', maxBuffer: MAX_BUFFER_BYTES, windowsHide: true },
        (error: ExecError | null, stdout, stderr) => {
          if (!error) return settle(() => resolve({ stdout, stderr, exitCode: 0 }));
          if (typeof error.code === 'number') return settle(() => resolve({ stdout, stderr, exitCode: error.code as number }));
          if (error.code === 'ENOENT') {
            return settle(() => reject(new CommandError('ENOENT', `${file}: command not found`, { cause: error })));
          }
          if (error.signal) {
            const message = `${commandLine(file, args)} was killed by ${error.signal}`;
            return settle(() => reject(new CommandError('EKILLED', message, { cause: error })));
          }
          const code = typeof error.code === 'string' ? error.code : 'EFAILED';
          settle(() => reject(new CommandError(code, `${commandLine(file, args)} failed: ${error.message}`, { cause: error })));
        },
      );

      // Our own timer rather than execFile's `timeout`: execFile reports only once the output pipes
      // close, and a grandchild that inherited them (a wrapper script's child) can hold them open
      // long after the command itself was killed.
      const stop = (): void => {
        child.kill('SIGKILL');
        child.stdout?.destroy();
        child.stderr?.destroy();
      };
      const timer = setTimeout(() => {
        stop();
        settle(() => reject(new CommandError('ETIMEDOUT', `${commandLine(file, args)} did not finish within ${opts.timeoutMs} ms and was stopped`)));
      }, opts.timeoutMs);
      const onAbort = (): void => {
        stop();
        settle(() => reject(new CommandError('ABORT_ERR', `${commandLine(file, args)} was cancelled`)));
      };
      if (opts.signal?.aborted) onAbort();
      else opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};
