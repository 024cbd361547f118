/** A fixed-capacity buffer that keeps the newest items, dropping the oldest once full. */
export class RingBuffer<T> {
  private items: (T | undefined)[];
  private start = 0;
  private count = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring buffer capacity must be a positive integer, got ${capacity}`);
    this.items = new Array<T | undefined>(capacity);
  }

  get capacity(): number {
    return this.items.length;
  }

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    const capacity = this.items.length;
    if (this.count < capacity) {
      this.items[(this.start + this.count) % capacity] = item;
      this.count += 1;
    } else {
      this.items[this.start] = item;
      this.start = (this.start + 1) % capacity;
    }
  }

  /** Oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i += 1) out.push(this.items[(this.start + i) % this.items.length] as T);
    return out;
  }

  last(): T | undefined {
    return this.count === 0 ? undefined : this.items[(this.start + this.count - 1) % this.items.length];
  }

  /** A new capacity that keeps the newest items that still fit. */
  resize(capacity: number): void {
    const kept = this.toArray().slice(-capacity);
    const next = new RingBuffer<T>(capacity);
    for (const item of kept) next.push(item);
    this.items = next.items;
    this.start = next.start;
    this.count = next.count;
  }
}
