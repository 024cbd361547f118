import type { Duplex } from 'node:stream';

/** Why a read on an RPC connection did not complete: the probe decides busy / old protocol / down from it. */
export type WireFailure = 'eof' | 'timeout';

export class WireError extends Error {
  readonly kind: WireFailure;
  constructor(kind: WireFailure, message: string) {
    super(message);
    this.name = 'WireError';
    this.kind = kind;
  }
}

interface Waiter {
  n: number;
  resolve: (b: Buffer) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Reads exact byte counts from a stream, with a timeout per read. A peer that closes (cleanly or with a
 * reset) surfaces as 'eof', because rpc-server answers a HELLO of the wrong size by closing.
 */
export class ByteReader {
  private readonly chunks: Buffer[] = [];
  private length = 0;
  private closedReason: string | null = null;
  private waiter: Waiter | null = null;

  constructor(stream: Duplex) {
    stream.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.length += chunk.length;
      this.settle();
    });
    stream.on('end', () => this.close('the peer closed the connection'));
    stream.on('close', () => this.close('the connection closed'));
    stream.on('error', (err: Error) => this.close(`connection error: ${err.message}`));
  }

  read(n: number, timeoutMs: number): Promise<Buffer> {
    if (this.waiter) return Promise.reject(new Error('ByteReader: one read at a time'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new WireError('timeout', `no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = { n, resolve, reject, timer };
      this.settle();
    });
  }

  private close(reason: string): void {
    if (this.closedReason === null) this.closedReason = reason;
    this.settle();
  }

  private settle(): void {
    const w = this.waiter;
    if (!w) return;
    if (this.length >= w.n) {
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      const out = all.subarray(0, w.n);
      const rest = all.subarray(w.n);
      this.chunks.length = 0;
      if (rest.length) this.chunks.push(rest);
      this.length = rest.length;
      this.waiter = null;
      clearTimeout(w.timer);
      w.resolve(Buffer.from(out));
    } else if (this.closedReason !== null) {
      this.waiter = null;
      clearTimeout(w.timer);
      w.reject(new WireError('eof', this.closedReason));
    }
  }
}
