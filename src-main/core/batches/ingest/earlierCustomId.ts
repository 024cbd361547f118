import fs from 'node:fs';
import { RequestFields, scanRequestLine } from './fastRequestScan.ts';
import { decodeJsonString } from './jsonString.ts';

const FIRST_READ = 16 * 1024;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Reads back the custom_id of a line already scanned, by the line's byte offset, to confirm that a custom_id
 * hash match is a real duplicate. Asked only on a hash match (a duplicate, or a rare collision), so a pread per
 * question costs nothing in a good file.
 */
export class EarlierCustomIds {
  readonly #fd: number;
  readonly #maxLineBytes: number;
  readonly #fields = new RequestFields();
  #buf = Buffer.allocUnsafe(FIRST_READ);

  constructor(fd: number, maxLineBytes: number) {
    this.#fd = fd;
    this.#maxLineBytes = maxLineBytes;
  }

  /** Whether the line at earlierOffset has the custom_id whose UTF-8 bytes are id[start, end). */
  isSameId(earlierOffset: number, id: Uint8Array, start: number, end: number): boolean {
    const earlier = this.customIdAt(earlierOffset);
    return earlier !== null && Buffer.from(earlier, 'utf8').equals(id.subarray(start, end));
  }

  /** The custom_id of the line starting at `offset`, or null when that line has none (it was never added then). */
  customIdAt(offset: number): string | null {
    const lineEnd = this.#readLine(offset);
    let stop = lineEnd;
    if (stop > 0 && this.#buf[stop - 1] === CR) stop--;
    const f = this.#fields;
    if (scanRequestLine(this.#buf, 0, stop, f)) return decodeJsonString(this.#buf, f.customIdStart, f.customIdEnd, f.customIdEscaped);
    // A line the fast scanner leaves to JSON.parse (the validator did the same when it first saw it).
    try {
      const value = JSON.parse(this.#buf.toString('utf8', 0, stop)) as { custom_id?: unknown } | null;
      return typeof value?.custom_id === 'string' ? value.custom_id : null;
    } catch {
      return null;
    }
  }

  /** Reads the line at offset into #buf from index 0; returns where it ends (its LF, or the end of the file). */
  #readLine(offset: number): number {
    let have = 0;
    for (;;) {
      const n = fs.readSync(this.#fd, this.#buf, have, this.#buf.length - have, offset + have);
      const nl = this.#buf.subarray(have, have + n).indexOf(LF);
      if (nl >= 0) return have + nl;
      have += n;
      if (n === 0 || have > this.#maxLineBytes + 1) return have;
      if (have === this.#buf.length) {
        const grown = Buffer.allocUnsafe(this.#buf.length * 2);
        this.#buf.copy(grown, 0, 0, have);
        this.#buf = grown;
      }
    }
  }
}
