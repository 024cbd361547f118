import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { UsageError } from './nodesCommand.ts';

/** Splits argv at `--`: what follows belongs to llama-server, untouched. */
export function splitAtDashDash(args: string[]): { own: string[]; passThrough: string[] } {
  const at = args.indexOf('--');
  return at >= 0 ? { own: args.slice(0, at), passThrough: args.slice(at + 1) } : { own: args, passThrough: [] };
}

/** A command's own flags, strictly: an unknown flag or a missing value is a usage mistake (exit status 2). */
export function parseCommandFlags<O extends ParseArgsOptionsConfig>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
