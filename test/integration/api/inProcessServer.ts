import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { createEngine, type Engine } from '../../../src-main/core/engine.ts';
import { startHttpServer, type RunningHttpServer } from '../../../src-main/server/httpServer.ts';

/** A clock tests move forward: the engine's idea of now for expiry, without waiting. */
export class TestClock {
  offsetMs = 0;
  readonly now = (): number => Date.now() + this.offsetMs;
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export interface InProcessServer {
  engine: Engine;
  http: RunningHttpServer;
  client: OpenAI;
  clock: TestClock;
  close(): Promise<void>;
}

/** The engine and its HTTP API in this process (so a test clock can be injected), with an openai client on it. */
export async function startInProcessServer(backends: string[], concurrency = 8): Promise<InProcessServer> {
  const clock = new TestClock();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-api-'));
  const engine = await createEngine({ dataDir, backends, concurrency, gpu: { enabled: false }, nodes: { enabled: false }, clock: clock.now });
  const http = await startHttpServer(engine, { host: '127.0.0.1', port: 0 });
  const client = new OpenAI({ baseURL: `${http.url}/v1`, apiKey: 'loopback', maxRetries: 0 });
  return {
    engine, http, client, clock,
    async close() {
      await http.close();
      await engine.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
