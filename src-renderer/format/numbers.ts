const intFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** A dash for values the engine does not know (null), never 0. */
export const DASH = '—';

export function formatInt(n: number | null | undefined): string {
  return n == null || !Number.isFinite(n) ? DASH : intFormat.format(n);
}

export function formatRate(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return DASH;
  if (n >= 1000) return intFormat.format(n);
  return oneDecimal.format(n);
}

export function formatPercent(n: number | null | undefined): string {
  return n == null || !Number.isFinite(n) ? DASH : `${Math.round(n)} %`;
}

export function formatMiB(mib: number | null | undefined): string {
  if (mib == null || !Number.isFinite(mib)) return DASH;
  return mib >= 1024 ? `${oneDecimal.format(mib / 1024)} GiB` : `${intFormat.format(mib)} MiB`;
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes == null || !Number.isFinite(bytes)) return DASH;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? intFormat.format(value) : oneDecimal.format(value)} ${units[unit]}`;
}

/** 0..1 share of a whole, or null when the whole is unknown or zero. */
export function ratio(part: number | null | undefined, whole: number | null | undefined): number | null {
  if (part == null || whole == null || !(whole > 0)) return null;
  return Math.min(1, Math.max(0, part / whole));
}
