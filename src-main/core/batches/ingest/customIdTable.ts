/**
 * The custom_ids seen so far, for duplicate detection, without holding the ids themselves: a million custom_id
 * strings on the JS heap cost ~60 MB and five million ~300 MB. Each id is kept as a 32-bit hash of its UTF-8
 * bytes, its line and the byte offset of that line (16 bytes), in an open-addressing table over typed arrays.
 * A hash match is only a candidate: `isSameId` confirms it against the earlier line itself (re-read from the
 * file), so a hash collision never reports a duplicate that is not one.
 */
export interface CustomIdTableOptions {
  /** Whether the id on the line starting at byte `earlierOffset` is the id whose UTF-8 bytes are id[start, end). */
  isSameId(earlierOffset: number, id: Uint8Array, start: number, end: number): boolean;
  /** The hash of id[start, end); only tests replace it (to force collisions). */
  hash?(id: Uint8Array, start: number, end: number): number;
}

/** Entries live in fixed pages, so growing never copies (or briefly doubles) what is already stored. */
const PAGE_BITS = 16;
const PAGE_SIZE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_SIZE - 1;
/** Slots per entry kept above 1/0.7, so linear probes stay short. */
const MAX_LOAD = 0.7;

export class CustomIdTable {
  readonly #isSameId: CustomIdTableOptions['isSameId'];
  readonly #hash: (id: Uint8Array, start: number, end: number) => number;
  readonly #hashes: Uint32Array[] = [];
  readonly #lines: Int32Array[] = [];
  readonly #offsets: Float64Array[] = [];
  #size = 0;
  /** entry index + 1 per slot, 0 = empty. */
  #slots = new Int32Array(1024);
  #mask = 1023;

  constructor(opts: CustomIdTableOptions) {
    this.#isSameId = opts.isSameId;
    this.#hash = opts.hash ?? hashBytes;
  }

  get size(): number {
    return this.#size;
  }

  /**
   * Adds the id whose UTF-8 bytes are id[start, end), first seen on `line` (which starts at byte `lineOffset`).
   * Returns 0 when it is new, else the line it was first seen on (and does not add it again).
   */
  addOrFirstLine(id: Uint8Array, start: number, end: number, line: number, lineOffset: number): number {
    const hash = this.#hash(id, start, end) >>> 0;
    const mask = this.#mask;
    const slots = this.#slots;
    let slot = hash & mask;
    for (;;) {
      const entry = slots[slot]! - 1;
      if (entry < 0) break;
      const page = entry >>> PAGE_BITS;
      const at = entry & PAGE_MASK;
      if (this.#hashes[page]![at] === hash && this.#isSameId(this.#offsets[page]![at]!, id, start, end)) return this.#lines[page]![at]!;
      slot = (slot + 1) & mask;
    }
    const n = this.#size;
    const page = n >>> PAGE_BITS;
    if (page === this.#hashes.length) {
      this.#hashes.push(new Uint32Array(PAGE_SIZE));
      this.#lines.push(new Int32Array(PAGE_SIZE));
      this.#offsets.push(new Float64Array(PAGE_SIZE));
    }
    const at = n & PAGE_MASK;
    this.#hashes[page]![at] = hash;
    this.#lines[page]![at] = line;
    this.#offsets[page]![at] = lineOffset;
    slots[slot] = n + 1;
    this.#size = n + 1;
    if (this.#size > slots.length * MAX_LOAD) this.#rehash();
    return 0;
  }

  #rehash(): void {
    const slots = new Int32Array(this.#slots.length * 2);
    const mask = slots.length - 1;
    for (let i = 0; i < this.#size; i++) {
      let slot = this.#hashes[i >>> PAGE_BITS]![i & PAGE_MASK]! & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = i + 1;
    }
    this.#slots = slots;
    this.#mask = mask;
  }
}

/** FNV-1a over the bytes, with a final avalanche so linear probing sees well-spread slots. */
export function hashBytes(id: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ id[i]!, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
