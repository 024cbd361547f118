import { isUtf8 } from 'node:buffer';

/** True when buf[start, end) is well-formed UTF-8 (simdutf under the hood: cheap enough to run on every line). */
export function isUtf8Range(buf: Buffer, start: number, end: number): boolean {
  return isUtf8(buf.subarray(start, end));
}

/**
 * Index (relative to start) of the first byte that breaks UTF-8 in buf[start, end), or -1. Only run on a line
 * already known to be bad, to tell the operator where to look.
 */
export function firstInvalidUtf8Byte(buf: Buffer, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const b = buf[i] ?? 0;
    let need: number;
    let min: number;
    if (b < 0x80) { i++; continue; }
    if (b >= 0xc2 && b <= 0xdf) { need = 1; min = 0x80; }
    else if (b >= 0xe0 && b <= 0xef) { need = 2; min = 0x800; }
    else if (b >= 0xf0 && b <= 0xf4) { need = 3; min = 0x10000; }
    else return i - start;
    if (i + need >= end) return i - start; // truncated sequence
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k] ?? 0;
      if ((c & 0xc0) !== 0x80) return i - start;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i - start;
    i += need + 1;
  }
  return -1;
}
