/**
 * The values of the llama-server flags that change what a model needs in memory, read from the flags the
 * operator passes through (common/arg.cpp names, short and long, `--flag value` and `--flag=value`).
 */
export interface MemoryFlags {
  ctx: number | null;
  parallel: number | null;
  ubatch: number | null;
  cacheTypeK: string | null;
  cacheTypeV: string | null;
  tensorSplit: number[] | null;
}

const NAMES: Record<string, keyof MemoryFlags> = {
  '-c': 'ctx', '--ctx-size': 'ctx',
  '-np': 'parallel', '--parallel': 'parallel',
  '-ub': 'ubatch', '--ubatch-size': 'ubatch',
  '-ctk': 'cacheTypeK', '--cache-type-k': 'cacheTypeK',
  '-ctv': 'cacheTypeV', '--cache-type-v': 'cacheTypeV',
  '-ts': 'tensorSplit', '--tensor-split': 'tensorSplit',
};

export function readLlamaServerFlags(args: readonly string[]): MemoryFlags {
  const out: MemoryFlags = { ctx: null, parallel: null, ubatch: null, cacheTypeK: null, cacheTypeV: null, tensorSplit: null };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const field = NAMES[name];
    if (!field) continue;
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined) continue;
    if (field === 'tensorSplit') {
      // llama.cpp accepts "3,1" and "3/1".
      const parts = value.split(/[,/]/).map(Number);
      if (parts.every((p) => Number.isFinite(p) && p >= 0)) out.tensorSplit = parts;
    } else if (field === 'cacheTypeK' || field === 'cacheTypeV') {
      out[field] = value;
    } else {
      const n = Number(value);
      // -c 0 and -np -1 mean "the default" to llama-server.
      if (Number.isInteger(n) && n > 0) out[field] = n;
    }
  }
  return out;
}

/** True when the operator already chose a split, which a proposal must not override. */
export function hasTensorSplitFlag(args: readonly string[]): boolean {
  return args.some((a) => a === '-ts' || a === '--tensor-split' || a.startsWith('-ts=') || a.startsWith('--tensor-split='));
}
