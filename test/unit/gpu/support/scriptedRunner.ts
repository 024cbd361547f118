import { CommandError, type CommandOptions, type CommandResult, type CommandRunner } from '../../../../src-main/core/gpu/commandRunner.ts';

/** What one call answers: a result (after delayMs), an error code, or nothing until timeout or abort. */
export type Reply = (CommandResult & { delayMs?: number }) | { error: string } | { hang: true };

/**
 * A CommandRunner whose answers a test sets. It records calls and how many ran at once, so a test
 * can see that the poller never overlaps them. Its waits use setTimeout, so fake timers drive it.
 */
export class ScriptedRunner implements CommandRunner {
  readonly calls: { file: string; args: string[]; opts: CommandOptions }[] = [];
  running = 0;
  maxConcurrent = 0;
  private readonly queue: Reply[] = [];
  private fallback: Reply;

  constructor(fallback: Reply) {
    this.fallback = fallback;
  }

  /** The answer to every call from now on (after any queued ones). */
  always(reply: Reply): void {
    this.fallback = reply;
  }

  /** The answer to the next call only. */
  once(reply: Reply): void {
    this.queue.push(reply);
  }

  run(file: string, args: string[], opts: CommandOptions): Promise<CommandResult> {
    this.calls.push({ file, args, opts });
    this.running += 1;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.running);
    const reply = this.queue.shift() ?? this.fallback;
    return new Promise<CommandResult>((resolve, reject) => {
      let settled = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finish = (outcome: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.running -= 1;
        outcome();
      };
      opts.signal?.addEventListener('abort', () => finish(() => reject(new CommandError('ABORT_ERR', `${file} was cancelled`))), { once: true });
      if ('hang' in reply) {
        // Like the real runner: a hung command ends when the timeout kills it.
        timer = setTimeout(() => finish(() => reject(new CommandError('ETIMEDOUT', `${file} timed out`))), opts.timeoutMs);
      } else if ('error' in reply) {
        finish(() => reject(new CommandError(reply.error, `${file}: ${reply.error}`)));
      } else if (reply.delayMs) {
        const { delayMs, ...result } = reply;
        timer = setTimeout(() => finish(() => resolve(result)), delayMs);
      } else {
        finish(() => resolve(reply));
      }
    });
  }
}

export function ok(stdout: string, delayMs?: number): Reply {
  return { stdout, stderr: '', exitCode: 0, ...(delayMs ? { delayMs } : {}) };
}
