/**
 * The custom_ids seen so far and the line of each, for duplicate detection. An open-addressing hash table over
 * typed arrays: a Map of a million strings cost ~0.5 µs per insert here (a fifth of validation time) and
 * more memory; this costs a fraction of that and 13 bytes per id plus the strings themselves.
 */
export class CustomIdTable {
  #ids: string[] = [];
  #lines = new Int32Array(1024);
  #hashes = new Uint32Array(1024);
  /** entry index + 1 per slot, 0 = empty; kept at most half full so probes stay short. */
  #slots = new Int32Array(2048);
  #mask = 2047;

  get size(): number {
    return this.#ids.length;
  }

  /** Adds id first seen on `line`; returns 0 when it is new, else the line it was first seen on. */
  addOrFirstLine(id: string, line: number): number {
    const hash = hashString(id);
    let slot = hash & this.#mask;
    for (;;) {
      const entry = this.#slots[slot] ?? 0;
      if (entry === 0) break;
      if (this.#hashes[entry - 1] === hash && this.#ids[entry - 1] === id) return this.#lines[entry - 1] ?? 0;
      slot = (slot + 1) & this.#mask;
    }
    const n = this.#ids.length;
    if (n === this.#lines.length) this.#growEntries();
    this.#ids.push(id);
    this.#lines[n] = line;
    this.#hashes[n] = hash;
    this.#slots[slot] = n + 1;
    if ((n + 1) * 2 > this.#slots.length) this.#rehash();
    return 0;
  }

  #growEntries(): void {
    const lines = new Int32Array(this.#lines.length * 2);
    lines.set(this.#lines);
    this.#lines = lines;
    const hashes = new Uint32Array(this.#hashes.length * 2);
    hashes.set(this.#hashes);
    this.#hashes = hashes;
  }

  #rehash(): void {
    const slots = new Int32Array(this.#slots.length * 2);
    const mask = slots.length - 1;
    for (let i = 0; i < this.#ids.length; i++) {
      let slot = (this.#hashes[i] ?? 0) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = i + 1;
    }
    this.#slots = slots;
    this.#mask = mask;
  }
}

/** FNV-1a over UTF-16 code units, with a final avalanche so linear probing sees well-spread slots. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}
