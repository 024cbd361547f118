/**
 * Reading single values out of nvidia-smi's XML, where every reading is text with a unit
 * ("1234 MiB", "45 %", "62 C", "250.00 W", "1500 MHz") or a placeholder for "no value".
 */

/** A parsed XML element as fast-xml-parser returns it (tag values kept as strings). */
export type XmlNode = Record<string, unknown>;

// Placeholders nvidia-smi prints instead of a value. Bracketed forms ("[N/A]", "[Not Supported]",
// "[Insufficient Permissions]", "[GPU requires reset]") are caught by the bracket rule below.
const UNAVAILABLE = new Set([
  'n/a',
  'not supported',
  'unknown error',
  'requested functionality has been deprecated',
  'not found',
  'insufficient permissions',
  'redacted',
  'no data',
  'gpu is lost',
  'gpu requires reset',
  'not available',
]);

export function isXmlNode(value: unknown): value is XmlNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function child(node: unknown, name: string): unknown {
  return isXmlNode(node) ? node[name] : undefined;
}

/** The element's text, or null when it is missing, empty, not a leaf, or a placeholder. */
export function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  if (trimmed === '') return null;
  if (trimmed.startsWith('[') && trimmed.endsWith(']')) return null;
  if (UNAVAILABLE.has(trimmed.toLowerCase())) return null;
  return trimmed;
}

const QUANTITY = /^(-?\d+(?:\.\d+)?)(?:\s*([A-Za-z%/]+))?$/;

/**
 * A number with an optional unit, e.g. quantity("250.00 W", "W") is 250. A value in another unit
 * than the one expected is null: guessing a conversion would show a wrong number as if it were right.
 */
export function quantity(value: unknown, unit: string): number | null {
  const raw = text(value);
  if (raw === null) return null;
  const match = QUANTITY.exec(raw);
  if (!match) return null;
  const found = match[2];
  if (found !== undefined && found.toLowerCase() !== unit.toLowerCase()) return null;
  const parsed = Number(match[1]);
  return Number.isFinite(parsed) ? parsed : null;
}

/** A unitless whole number (pid, minor_number, an ECC count). */
export function integer(value: unknown): number | null {
  const raw = text(value);
  if (raw === null || !/^-?\d+$/.test(raw)) return null;
  const parsed = Number(raw);
  return Number.isSafeInteger(parsed) ? parsed : null;
}

/** The first reading that has a value, for fields that moved or were renamed between drivers. */
export function firstQuantity(node: unknown, names: readonly string[], unit: string): number | null {
  for (const name of names) {
    const value = quantity(child(node, name), unit);
    if (value !== null) return value;
  }
  return null;
}

/** The elements of a list forced to an array by the parser's isArray option; absent or empty is []. */
export function list(node: unknown, name: string): XmlNode[] {
  const value = child(node, name);
  if (!Array.isArray(value)) return [];
  return value.map((item) => (isXmlNode(item) ? item : {}));
}
