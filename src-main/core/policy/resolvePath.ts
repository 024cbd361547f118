import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Symlink hops before giving up, as the kernel does (ELOOP). */
const MAX_LINKS = 40;

export interface ResolvedPath {
  /**
   * Complete: the real path (every symlink followed). Incomplete: the real path of the deepest part that
   * exists, so a dangling link is judged by where it points, never by where it sits.
   */
  real: string;
  complete: boolean;
}

export function expandHome(p: string): string {
  return p === '~' ? os.homedir() : p.startsWith('~/') ? path.join(os.homedir(), p.slice(2)) : p;
}

/**
 * realpath(3) done one component at a time, so that a path which does not resolve still tells how far it
 * got. Deciding "inside an allowed folder" from the lexical path instead would let a symlink inside the
 * folder that points elsewhere answer "does not exist" for missing targets and "not allowed" for present
 * ones: an oracle for files outside.
 */
export function resolvePath(absolute: string): ResolvedPath {
  let cur = path.parse(absolute).root || '/';
  const queue = absolute.split('/');
  let links = 0;
  while (queue.length) {
    const part = queue.shift()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      cur = path.dirname(cur);
      continue;
    }
    const next = path.join(cur, part);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(next);
    } catch {
      return { real: cur, complete: false };
    }
    if (st.isSymbolicLink()) {
      if (++links > MAX_LINKS) return { real: cur, complete: false };
      let target: string;
      try {
        target = fs.readlinkSync(next);
      } catch {
        return { real: cur, complete: false };
      }
      if (path.isAbsolute(target)) cur = '/';
      queue.unshift(...target.split('/'));
      continue;
    }
    if (queue.some((p) => p !== '' && p !== '.') && !st.isDirectory()) {
      // A file used as a folder (ENOTDIR): resolution stops at the file.
      return { real: next, complete: false };
    }
    cur = next;
  }
  return { real: cur, complete: true };
}

/** `child` is strictly below `dir` (both real paths). */
export function isBelow(dir: string, child: string): boolean {
  const rel = path.relative(dir, child);
  return rel !== '' && rel.split(path.sep)[0] !== '..' && !path.isAbsolute(rel);
}

/** `child` is `dir` or below it. */
export function isWithin(dir: string, child: string): boolean {
  return child === dir || isBelow(dir, child);
}

/** The real path of an allowed entry as it is now; one that does not exist yet is kept as written. */
export function realEntry(entry: string): string {
  const r = resolvePath(path.resolve(expandHome(entry)));
  return r.complete ? r.real : path.resolve(expandHome(entry));
}
