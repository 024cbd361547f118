import type { GpuInfo } from '../../../shared/gpu.ts';
import { child, integer, isXmlNode } from './nvidiaSmiValues.ts';

type EccErrors = GpuInfo['eccErrors'];

// Drivers before ~450 count single_bit (corrected) / double_bit (uncorrected) per memory kind;
// later ones count sram_* / dram_* (correctable / uncorrectable), and v13 splits sram_uncorrectable
// into _parity and _secded. Each list names every counter of one side, in either schema.
const CORRECTED = ['sram_correctable', 'dram_correctable'];
const UNCORRECTED = ['sram_uncorrectable', 'sram_uncorrectable_parity', 'sram_uncorrectable_secded', 'dram_uncorrectable'];

/** Sum of the counters that have a value; null when none has one (ECC off or unsupported). */
function sumOf(node: unknown, names: readonly string[]): number | null {
  let sum: number | null = null;
  for (const name of names) {
    const value = integer(child(node, name));
    if (value !== null) sum = (sum ?? 0) + value;
  }
  return sum;
}

/** A legacy single_bit / double_bit block: its <total>, or the sum of its parts when total is N/A. */
function legacyTotal(block: unknown): number | null {
  const total = integer(child(block, 'total'));
  if (total !== null) return total;
  if (!isXmlNode(block)) return null;
  return sumOf(block, Object.keys(block).filter((name) => name !== 'total'));
}

function scopeTotals(scope: unknown): { corrected: number | null; uncorrected: number | null } {
  if (child(scope, 'single_bit') !== undefined || child(scope, 'double_bit') !== undefined) {
    return { corrected: legacyTotal(child(scope, 'single_bit')), uncorrected: legacyTotal(child(scope, 'double_bit')) };
  }
  return { corrected: sumOf(scope, CORRECTED), uncorrected: sumOf(scope, UNCORRECTED) };
}

export function eccTotals(eccErrors: unknown): EccErrors {
  const volatile = scopeTotals(child(eccErrors, 'volatile'));
  const aggregate = scopeTotals(child(eccErrors, 'aggregate'));
  return {
    volatileCorrected: volatile.corrected,
    volatileUncorrected: volatile.uncorrected,
    aggregateCorrected: aggregate.corrected,
    aggregateUncorrected: aggregate.uncorrected,
  };
}
