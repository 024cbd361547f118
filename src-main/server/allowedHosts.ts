import os from 'node:os';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARD_BINDS = new Set(['0.0.0.0', '::', '[::]', '']);

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The host part of a Host header, an absolute-form target's authority or a configured name, normalised the
 * way a browser would (lower case, IPv6 in brackets), or null when it is not a host at all.
 */
export function hostnameOf(authority: string): string | null {
  if (!authority || /[\s/?#@\\]/.test(authority)) return null;
  try {
    return new URL(`http://${authority}`).hostname || null;
  } catch {
    return null;
  }
}

function interfaceNames(family: 'IPv4' | 'any'): string[] {
  const names = [os.hostname().toLowerCase()];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4') names.push(a.address);
      else if (family === 'any') names.push(`[${a.address.replace(/%.*$/, '').toLowerCase()}]`);
    }
  }
  return names;
}

/**
 * The names this server really answers to: what it is bound to (loopback names for a loopback bind, the
 * machine's own addresses and hostname for 0.0.0.0 or ::), plus the names the operator allowed with
 * --allowed-host (a DNS name or a reverse proxy's public name). A Host header outside this list is a DNS
 * rebinding attempt or a misdirected request; the port does not matter for that, the name does.
 */
export class AllowedHosts {
  private readonly bindHost: string;
  private readonly configured: Set<string>;

  constructor(bindHost: string, configured: readonly string[] = []) {
    this.bindHost = bindHost.toLowerCase();
    this.configured = new Set();
    for (const name of configured) {
      const h = hostnameOf(name.trim());
      if (!h) throw new Error(`--allowed-host ${JSON.stringify(name)}: expected a host name or address such as gpu1.lan or 10.0.0.5`);
      this.configured.add(h);
    }
  }

  /** Every name accepted right now (interface addresses are read each time: DHCP may change them). */
  names(): Set<string> {
    const names = new Set(this.configured);
    const add = (list: string[]) => list.forEach((n) => names.add(n));
    if (isLoopbackHost(this.bindHost)) add(LOOPBACK_NAMES);
    if (WILDCARD_BINDS.has(this.bindHost)) {
      add(LOOPBACK_NAMES);
      add(interfaceNames(this.bindHost === '0.0.0.0' ? 'IPv4' : 'any'));
    }
    const own = hostnameOf(this.bindHost.includes(':') && !this.bindHost.startsWith('[') ? `[${this.bindHost}]` : this.bindHost);
    if (own && !WILDCARD_BINDS.has(this.bindHost)) names.add(own);
    return names;
  }

  allowsHost(authority: string): boolean {
    const h = hostnameOf(authority);
    return h !== null && this.names().has(h);
  }

  /**
   * A browser page's origin is ours when it names one of our hosts on our port; a name allowed with
   * --allowed-host may come on any port, because a TLS reverse proxy in front serves it on 443.
   */
  allowsOrigin(origin: string, serverPort: number): boolean {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    if (this.configured.has(url.hostname)) return true;
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    return port === serverPort && this.names().has(url.hostname);
  }
}
