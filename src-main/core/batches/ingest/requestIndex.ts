/**
 * Where each valid request sits in the input file (custom_id, byte offset, byte length), in file order, kept
 * until validation has seen the whole file: rows are written only when every line is good. Typed arrays keep
 * 1M entries at ~12 MB plus the custom_id strings the validator already holds.
 */
export class RequestIndex {
  readonly customIds: string[] = [];
  #offsets = new Float64Array(1024);
  #lengths = new Uint32Array(1024);
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(customId: string, offset: number, length: number): void {
    if (this.#size === this.#offsets.length) {
      const offsets = new Float64Array(this.#size * 2);
      offsets.set(this.#offsets);
      this.#offsets = offsets;
      const lengths = new Uint32Array(this.#size * 2);
      lengths.set(this.#lengths);
      this.#lengths = lengths;
    }
    this.customIds.push(customId);
    this.#offsets[this.#size] = offset;
    this.#lengths[this.#size] = length;
    this.#size++;
  }

  offset(i: number): number {
    return this.#offsets[i] ?? 0;
  }

  length(i: number): number {
    return this.#lengths[i] ?? 0;
  }

  /** Drops everything: once a line is bad nothing will be inserted, so there is no point keeping it. */
  clear(): void {
    this.customIds.length = 0;
    this.#offsets = new Float64Array(0);
    this.#lengths = new Uint32Array(0);
    this.#size = 0;
  }
}
