import { CommandError, type CommandRunner } from '../gpu/commandRunner.ts';
import { SshError } from './sshErrors.ts';
import { shellCommand, shellQuote } from './shellQuote.ts';
import type { SshSession } from './sshSession.ts';

/** Printed by the wrapper when the command does not exist on the node, so exit 127 is not ambiguous. */
const NOT_FOUND_MARK = 'batchdeck: command not found on this node';

/**
 * The GPU poller's CommandRunner over a node's SSH session: nvidia-smi runs on the node. Every argument
 * is quoted; a command the node does not have rejects with ENOENT, as the local runner does, so
 * "no NVIDIA GPU there" is a state rather than an error loop.
 */
export function sshCommandRunner(session: Pick<SshSession, 'exec' | 'where'>): CommandRunner {
  return {
    async run(file, args, opts) {
      const script = `command -v ${shellQuote(file)} >/dev/null 2>&1 || { echo ${shellQuote(NOT_FOUND_MARK)} >&2; exit 127; }\nexec ${shellCommand(file, args)}`;
      let res;
      try {
        res = await session.exec(`sh -c ${shellQuote(script)}`, { timeoutMs: opts.timeoutMs, signal: opts.signal });
      } catch (err) {
        if ((err as { code?: string }).code === 'ABORT_ERR') throw new CommandError('ABORT_ERR', (err as Error).message, { cause: err });
        if (err instanceof SshError && err.kind === 'timeout') throw new CommandError('ETIMEDOUT', err.message, { cause: err });
        const code = err instanceof SshError ? `ESSH_${err.kind.toUpperCase().replace(/-/g, '_')}` : 'ESSH';
        throw new CommandError(code, `${session.where}: ${file} could not be run: ${(err as Error).message}`, { cause: err });
      }
      if (res.exitCode === 127 && res.stderr.includes(NOT_FOUND_MARK)) {
        throw new CommandError('ENOENT', `${file}: command not found on the node (${session.where})`);
      }
      return { stdout: res.stdout, stderr: res.stderr, exitCode: res.exitCode };
    },
  };
}
