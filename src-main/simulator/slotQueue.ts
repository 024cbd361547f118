interface Waiter { start: () => void; withdrawn: boolean }

/**
 * At most `slots` jobs run at once; the rest wait in arrival order, as llama-server queues requests beyond
 * its slots instead of refusing them. A waiting job can be withdrawn (its client went away).
 */
export class SlotQueue {
  readonly #slots: number;
  #running = 0;
  #maxRunning = 0;
  /** FIFO as an array with a moving head (shift() on a long queue is O(n) per request), compacted now and then. */
  #waiting: Waiter[] = [];
  #head = 0;
  #waitingCount = 0;

  constructor(slots: number) {
    this.#slots = slots;
  }

  get running(): number { return this.#running; }
  get maxRunning(): number { return this.#maxRunning; }
  get waiting(): number { return this.#waitingCount; }

  /** Runs start() when a slot is free (now, or later in FIFO order). Returns a function that withdraws it if still waiting. */
  acquire(start: () => void): () => void {
    if (this.#running < this.#slots) {
      this.#take();
      start();
      return noop;
    }
    const waiter: Waiter = { start, withdrawn: false };
    this.#waiting.push(waiter);
    this.#waitingCount++;
    return () => {
      if (waiter.withdrawn) return;
      waiter.withdrawn = true;
      this.#waitingCount--;
    };
  }

  /** Frees a slot and starts the next waiting job, if any. */
  release(): void {
    this.#running--;
    while (this.#head < this.#waiting.length) {
      const next = this.#waiting[this.#head++] as Waiter;
      if (next.withdrawn) continue;
      next.withdrawn = true; // started: withdrawing it now is a no-op
      this.#waitingCount--;
      this.#compact();
      this.#take();
      next.start();
      return;
    }
    this.#compact();
  }

  /** Drops everything waiting (the server is closing). */
  clear(): void {
    this.#waiting = [];
    this.#head = 0;
    this.#waitingCount = 0;
  }

  #take(): void {
    this.#running++;
    if (this.#running > this.#maxRunning) this.#maxRunning = this.#running;
  }

  #compact(): void {
    if (this.#head >= 1024 && this.#head * 2 >= this.#waiting.length) {
      this.#waiting = this.#waiting.slice(this.#head);
      this.#head = 0;
    }
  }
}

function noop(): void {}
