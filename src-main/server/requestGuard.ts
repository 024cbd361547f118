import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { AllowedHosts } from './allowedHosts.ts';

export interface GuardOptions {
  host: string;
  port: number;
  token?: string | undefined;
  /** Extra names clients may use in Host and Origin (--allowed-host, BATCHDECK_ALLOWED_HOSTS). */
  allowedHosts?: readonly string[] | undefined;
}

/**
 * What the router matched, never what the URL text looks like: the built window's static files are public,
 * every other route is API, and a target no route matched never reaches a handler.
 */
export type RouteAccess = 'window-file' | 'api' | 'no-route';

export interface GuardedRequest {
  url?: string | undefined;
  headers: IncomingHttpHeaders;
}

export type GuardVerdict = { ok: true } | { ok: false; status: 401 | 403 | 404; message: string };

/** `Authorization: Bearer T`; the scheme is case-insensitive (RFC 9110 section 11.1). */
export function bearerToken(authorization: string | undefined): string | null {
  const m = /^bearer[ \t]+([^ \t]+)[ \t]*$/i.exec(authorization ?? '');
  return m ? m[1]! : null;
}

/**
 * Keeps everyone but the operator's own clients out, for the headless server and the desktop's local API
 * alike: the Host (and an absolute-form target's authority) must name this server (no DNS rebinding), a
 * browser request to the API must come from this server's own page, and with a token every API request and
 * WebSocket must carry it. Only the window's static files are public.
 */
export class RequestGuard {
  private readonly token: string | null;
  private readonly hosts: AllowedHosts;
  private port: number;

  constructor(o: GuardOptions) {
    this.token = o.token || null;
    this.hosts = new AllowedHosts(o.host, o.allowedHosts ?? []);
    this.port = o.port;
  }

  /** The port is known only after listen when 0 was asked for. */
  setPort(port: number): void {
    this.port = port;
  }

  check(req: GuardedRequest, access: RouteAccess, opts: { tokenFromQuery?: string | null } = {}): GuardVerdict {
    const host = req.headers.host;
    if (!host || !this.hosts.allowsHost(host)) {
      return { ok: false, status: 403, message: `Host ${JSON.stringify(host ?? '')} is not a name this server answers to. If clients really reach it under that name, start it with --allowed-host NAME (or BATCHDECK_ALLOWED_HOSTS).` };
    }
    const target = req.url ?? '';
    if (!target.startsWith('/') && /^https?:\/\//i.test(target)) {
      const authority = /^https?:\/\/([^/?#]*)/i.exec(target)?.[1] ?? '';
      if (!this.hosts.allowsHost(authority)) return { ok: false, status: 403, message: 'The request target names a host this server does not answer to' };
    }
    if (access === 'no-route') return { ok: false, status: 404, message: 'No such route' };
    if (access === 'window-file') return { ok: true };

    const origin = req.headers.origin;
    if (origin !== undefined && !this.hosts.allowsOrigin(origin, this.port)) {
      return { ok: false, status: 403, message: `Requests from the web page ${JSON.stringify(origin)} are not accepted; only Batchdeck's own page may use the API` };
    }
    if (req.headers['sec-fetch-site'] === 'cross-site') return { ok: false, status: 403, message: 'Cross-site requests are not accepted' };
    if (this.token) {
      const given = bearerToken(req.headers.authorization) ?? opts.tokenFromQuery ?? null;
      if (!given || !sameSecret(given, this.token)) return { ok: false, status: 401, message: 'Missing or wrong bearer token: send Authorization: Bearer <token>' };
    }
    return { ok: true };
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
