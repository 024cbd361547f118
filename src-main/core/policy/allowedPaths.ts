import fs from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../../shared/contract/index.ts';
import type { OperatorAllowList } from './operatorAllowList.ts';
import { expandHome, isBelow, isWithin, realEntry, resolvePath } from './resolvePath.ts';

/*
 * The checks of "the machine's operator allows, the API chooses". Each returns the real path to use (so a
 * symlink swapped after the check cannot redirect the spawn or the read) or throws. Outside the allowed
 * places every failure is the same 403, whether the path exists or not, is a folder, a link or unreadable;
 * inside them the usual helpful errors are given.
 */

const DESKTOP_HINT = 'in the desktop app: Settings, Allowed on this machine';

function forbidden(message: string): ApiError {
  return new ApiError({ code: 'forbidden', message });
}

function absolute(requested: string): string | null {
  const p = expandHome(requested);
  return path.isAbsolute(p) ? path.normalize(p) : null;
}

/** The llama-server to run: the one asked for when it is (after realpath) one of the allowed, else the first allowed. */
export function allowedLlamaServer(list: OperatorAllowList, requested: string | undefined): string {
  if (requested === undefined || requested === '') {
    const first = list.llamaServers[0];
    if (!first) throw forbidden(`No llama-server is allowed on this machine: start serve with --llama-server PATH (${DESKTOP_HINT})`);
    return realEntry(first);
  }
  const refusal = forbidden(`llama-server ${requested} is not allowed on this machine: start serve with --llama-server ${requested} (${DESKTOP_HINT})`);
  const abs = absolute(requested);
  if (!abs) throw refusal;
  const r = resolvePath(abs);
  if (!r.complete) {
    // The operator's own entry may be named even when it is missing: the allow-list is no secret.
    if (list.llamaServers.includes(abs)) throw new ApiError({ code: 'invalid_input', message: `llama-server ${requested} is allowed but does not exist on this machine. Install it there, or allow another one.` });
    throw refusal;
  }
  if (!list.llamaServers.some((entry) => realEntry(entry) === r.real)) throw refusal;
  return r.real;
}

interface FileUnderDirs {
  what: string;
  flag: string;
  dirs: string[];
}

function allowedFileUnder(o: FileUnderDirs, requested: string): string {
  const abs = absolute(requested);
  const refusal = forbidden(`${o.what} ${requested} is not in a folder allowed on this machine: start serve with ${o.flag} ${abs ? path.dirname(abs) : 'DIR'} (${DESKTOP_HINT})`);
  if (!abs) throw refusal;
  const r = resolvePath(abs);
  const dirs = o.dirs.map(realEntry);
  if (r.complete) {
    const dir = dirs.find((d) => isBelow(d, r.real));
    if (!dir) throw refusal;
    let st: fs.Stats;
    try {
      st = fs.statSync(r.real);
    } catch (err) {
      throw new ApiError({ code: 'invalid_input', message: `${o.what} ${requested} in ${dir} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
    }
    if (!st.isFile()) throw new ApiError({ code: 'invalid_input', message: `${o.what} ${requested} in ${dir} is not a regular file` });
    return r.real;
  }
  const dir = dirs.find((d) => isWithin(d, r.real));
  if (!dir) throw refusal;
  throw new ApiError({ code: 'invalid_input', message: `${o.what} ${requested} does not exist in ${dir} (or cannot be reached there). Check the path.` });
}

/** A GGUF model for llama-server: a regular file below one of the models folders. */
export function allowedModel(list: OperatorAllowList, requested: string): string {
  return allowedFileUnder({ what: 'Model', flag: '--models-dir', dirs: list.modelsDirs }, requested);
}

/** An SSH private key for a node: a regular file below one of the key folders. */
export function allowedKeyFile(list: OperatorAllowList, requested: string): string {
  return allowedFileUnder({ what: 'Key file', flag: '--ssh-keys-dir', dirs: list.sshKeysDirs }, requested);
}
