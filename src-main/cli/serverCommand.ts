import { ApiError } from '../../shared/contract/index.ts';
import type { ServerTarget } from './apiClient.ts';
import { UsageError, reportFailure, type CommonFlags, type Out } from './nodesCommand.ts';

export interface ServerCommand<C extends { kind: string }> {
  /** The word after `batchdeck`, for messages. */
  name: string;
  help: string;
  parse(argv: string[]): C | { kind: 'help' };
  /**
   * Added under a 403 of the serve machine's allow-list: that machine, which may not be this one, decides
   * what may run and be loaded, so the client is told where it is set.
   */
  forbiddenHint?(target: ServerTarget): string;
  run(cmd: C & { flags: CommonFlags }): Promise<number>;
}

/**
 * One `batchdeck <name> ...` against a running Batchdeck: usage mistakes exit 2 with the help, failures
 * exit 1 with the error (as JSON under --json), and the command's own status otherwise.
 */
export async function runServerCommand<C extends { kind: string; flags: CommonFlags }>(spec: ServerCommand<C>, argv: string[], out: Out): Promise<number> {
  let cmd: C | { kind: 'help' };
  try {
    cmd = spec.parse(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      out(`batchdeck ${spec.name}: ${err.message}\n\n${spec.help}`);
      return 2;
    }
    throw err;
  }
  if (isHelp(cmd)) {
    out(spec.help);
    return 0;
  }
  const { target, json } = cmd.flags;
  try {
    return await spec.run(cmd);
  } catch (err) {
    if (err instanceof UsageError) {
      out(`batchdeck ${spec.name}: ${err.message}`);
      return 2;
    }
    if (err instanceof ApiError && err.code === 'forbidden' && spec.forbiddenHint) {
      return reportFailure(out, json, new ApiError({ code: 'forbidden', message: `${err.message}\n(${spec.forbiddenHint(target)})` }));
    }
    return reportFailure(out, json, err);
  }
}

function isHelp<C extends { kind: string }>(cmd: C | { kind: 'help' }): cmd is { kind: 'help' } {
  return cmd.kind === 'help';
}
