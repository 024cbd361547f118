import { createEngine } from '../core/engine.ts';
import type { EngineConfig } from '../core/engineConfig.ts';
import { startHttpServer } from '../server/httpServer.ts';
import type { RouterLike } from './ipcBridge.ts';
import type { ChangeFeed } from '../core/events/changeFeed.ts';
import type { RunningServer } from './localApi.ts';

/*
 * The shell's only imports of the engine and the HTTP server, in one place: the rest of src-main/app
 * depends on the small interfaces below, not on how the engine is assembled.
 */

export interface HostedEngine {
  router: RouterLike;
  feed: Pick<ChangeFeed, 'subscribe'>;
  close(): Promise<void>;
  /** The engine's HTTP API on host:port (the Settings switch); loopback only, so no token. */
  startHttp(options: { host: string; port: number }): Promise<RunningServer>;
}

export async function startEngine(config: EngineConfig): Promise<HostedEngine> {
  const engine = await createEngine(config);
  return {
    router: engine.router,
    feed: engine.feed,
    close: () => engine.close(),
    startHttp: (options) => startHttpServer(engine, options),
  };
}
