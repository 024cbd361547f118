import type { Settings } from '../../shared/engineState.ts';

/**
 * Only loopback: the desktop app's API is for local scripts; a LAN address needs `batchdeck serve` and a token.
 * It is the same server as `serve` (startHttpServer), so the same guard applies: access decided from the
 * matched route, Host and Origin checked against the loopback names, framing refused, small JSON bodies.
 */
export const LOCAL_API_HOST = '127.0.0.1';

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export interface LocalApiDeps {
  /** startHttpServer(engine, { host, port }) from the server, bound to the running engine by engineHost.ts. */
  start(options: { host: string; port: number }): Promise<RunningServer>;
  /** Where a failure to start goes (a port in use must be visible, not just logged). */
  onError(message: string): void;
  onStarted?(url: string): void;
}

type Wanted = { enabled: false } | { enabled: true; port: number };

/**
 * The Settings switch for the engine's local HTTP API. `apply` may be called on every 'settings.updated';
 * changes are applied one at a time in order (a quick on/off/on never leaves two servers or a stray one),
 * and a port change while on restarts the server on the new port.
 */
export class LocalApiSwitch {
  private readonly deps: LocalApiDeps;
  private server: RunningServer | null = null;
  private serverPort: number | null = null;
  private queue: Promise<void> = Promise.resolve();
  private wanted: Wanted = { enabled: false };

  constructor(deps: LocalApiDeps) {
    this.deps = deps;
  }

  get url(): string | null {
    return this.server?.url ?? null;
  }

  apply(settings: Pick<Settings, 'httpApiEnabled' | 'httpApiPort'>): Promise<void> {
    this.wanted = settings.httpApiEnabled ? { enabled: true, port: settings.httpApiPort } : { enabled: false };
    return this.enqueue(() => this.reconcile());
  }

  /** Stops the server (app quit). */
  close(): Promise<void> {
    this.wanted = { enabled: false };
    return this.enqueue(() => this.reconcile());
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(step, step);
    return this.queue;
  }

  /** Brings the server in line with the latest wish, whatever happened in between. */
  private async reconcile(): Promise<void> {
    const wanted = this.wanted;
    if (this.server && (!wanted.enabled || wanted.port !== this.serverPort)) {
      const server = this.server;
      this.server = null;
      this.serverPort = null;
      try {
        await server.close();
      } catch (err) {
        console.warn(`local HTTP API did not close cleanly: ${(err as Error).message}`);
      }
    }
    if (wanted.enabled && !this.server) {
      try {
        this.server = await this.deps.start({ host: LOCAL_API_HOST, port: wanted.port });
        this.serverPort = wanted.port;
        this.deps.onStarted?.(this.server.url);
      } catch (err) {
        this.deps.onError(`The local HTTP API could not start on ${LOCAL_API_HOST}:${wanted.port}: ${(err as Error).message}`);
      }
    }
  }
}
