import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createEngine } from '../core/engine.ts';
import type { EngineFiles } from './desktopFiles.ts';
import type { OperatorAllow } from './operatorPicker.ts';
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
  files: EngineFiles;
  /** The operator's allow-list; the shell widens it from its file pickers, nothing else can. */
  operator: OperatorAllow;
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
    operator: engine.operator,
    files: {
      async importUpload(filePath, uploadKey) {
        const stat = await fs.promises.stat(filePath);
        if (!stat.isFile()) throw Object.assign(new Error(`${filePath} is not a regular file`), { code: stat.isDirectory() ? 'EISDIR' : 'EINVAL' });
        // Copied into the data dir and validated in the same pass; files.validate then has the report.
        const row = await engine.uploads.receive(path.basename(filePath), fs.createReadStream(filePath), stat.size, { uploadKey });
        return { fileId: row.id, filename: row.filename, bytes: row.bytes };
      },
      async writeResults(batchId, kind, dest) {
        let lines = 0;
        const source = Readable.from((function* () {
          for (const line of engine.queries.lines(batchId, kind)) {
            lines++;
            yield line + '\n';
          }
        })());
        // Written beside the destination and renamed at the end, so a failed save never leaves half a file.
        const partial = `${dest}.partial`;
        try {
          await pipeline(source, fs.createWriteStream(partial));
          await fs.promises.rename(partial, dest);
        } catch (err) {
          await fs.promises.rm(partial, { force: true });
          throw err;
        }
        return { lines };
      },
    },
    close: () => engine.close(),
    startHttp: (options) => startHttpServer(engine, options),
  };
}
