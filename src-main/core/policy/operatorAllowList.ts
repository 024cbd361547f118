import os from 'node:os';
import path from 'node:path';
import type { OperatorKind } from '../../../shared/operator.ts';
import { expandHome } from './resolvePath.ts';

/** What the machine's operator allows: absolute paths, as the operator wrote them (resolved at each check). */
export interface OperatorAllowList {
  llamaServers: string[];
  modelsDirs: string[];
  sshKeysDirs: string[];
}

export const EMPTY_ALLOW_LIST: OperatorAllowList = { llamaServers: [], modelsDirs: [], sshKeysDirs: [] };

export const FIELD_OF_KIND: Record<OperatorKind, keyof OperatorAllowList> = {
  llamaServer: 'llamaServers',
  modelsDir: 'modelsDirs',
  sshKeysDir: 'sshKeysDirs',
};

export function defaultSshKeysDir(): string {
  return path.join(os.homedir(), '.ssh');
}

/**
 * The list in force: for each kind, the serve flags when any was given, else the config file, else the
 * default (nothing, except ~/.ssh for key files). Paths are made absolute; duplicates go.
 */
export function mergeAllowLists(flags: Partial<OperatorAllowList> | undefined, file: Partial<OperatorAllowList> | undefined): OperatorAllowList {
  const pick = (field: keyof OperatorAllowList, fallback: string[]): string[] => {
    const fromFlags = flags?.[field];
    const chosen = fromFlags && fromFlags.length ? fromFlags : file?.[field] ?? fallback;
    return [...new Set(chosen.map((p) => path.resolve(expandHome(p))))];
  };
  return {
    llamaServers: pick('llamaServers', []),
    modelsDirs: pick('modelsDirs', []),
    sshKeysDirs: pick('sshKeysDirs', [defaultSshKeysDir()]),
  };
}
