import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface GuardOptions {
  host: string;
  port: number;
  token?: string | undefined;
}

export type GuardVerdict = { ok: true } | { ok: false; status: 401 | 403; message: string };

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]', '::1'];

/**
 * Keeps a web page in the operator's browser from driving the engine: the Host header must name the bound
 * address (no DNS rebinding), browser requests that change state (and WebSocket upgrades) must come from our
 * own origin, and with a token every request must carry it.
 */
export class RequestGuard {
  private readonly o: GuardOptions;
  private readonly allowedHosts: Set<string>;

  constructor(o: GuardOptions) {
    this.o = o;
    const names = LOOPBACK_NAMES.includes(o.host) ? LOOPBACK_NAMES : [o.host];
    this.allowedHosts = new Set(names.map((n) => `${n}:${o.port}`.toLowerCase()));
  }

  /** The port is known only after listen when 0 was asked for. */
  setPort(port: number): void {
    this.o.port = port;
    const names = LOOPBACK_NAMES.includes(this.o.host) ? LOOPBACK_NAMES : [this.o.host];
    this.allowedHosts.clear();
    for (const n of names) this.allowedHosts.add(`${n}:${port}`.toLowerCase());
  }

  check(req: IncomingMessage, opts: { changesState: boolean; tokenFromQuery?: string | null; isStatic?: boolean }): GuardVerdict {
    const host = (req.headers.host ?? '').toLowerCase();
    if (!this.o.token && !this.allowedHosts.has(host)) {
      return { ok: false, status: 403, message: `Host ${JSON.stringify(host)} is not this server's address; use http://${this.o.host}:${this.o.port}` };
    }
    const origin = req.headers.origin;
    const site = req.headers['sec-fetch-site'];
    if (opts.changesState) {
      if (origin !== undefined && origin !== 'null' && origin.toLowerCase() !== `http://${host}` && origin.toLowerCase() !== `https://${host}`) {
        return { ok: false, status: 403, message: `Requests from ${origin} are not accepted; only Batchdeck's own page may change state` };
      }
      if (origin === 'null' || site === 'cross-site') {
        return { ok: false, status: 403, message: 'Cross-site requests are not accepted' };
      }
    }
    if (this.o.token && !opts.isStatic) {
      const auth = req.headers.authorization;
      const given = auth?.startsWith('Bearer ') ? auth.slice(7) : opts.tokenFromQuery ?? null;
      if (!given || !safeEqual(given, this.o.token)) return { ok: false, status: 401, message: 'Missing or wrong bearer token: send Authorization: Bearer <token>' };
    }
    return { ok: true };
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
