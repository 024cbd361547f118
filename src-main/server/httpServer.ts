import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import multipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import type { Engine } from '../core/engine.ts';
import { registerBatchesRoutes } from './batchesRoutes.ts';
import { registerContractRoutes } from './contractRoutes.ts';
import { registerFilesRoutes } from './filesRoutes.ts';
import { registerHealthRoutes } from './healthRoutes.ts';
import { sendOpenAiError } from './openaiErrors.ts';
import { RequestGuard } from './requestGuard.ts';
import { WsTransport } from './wsTransport.ts';

export interface HttpOptions {
  host: string;
  port: number;
  token?: string | undefined;
  /** Built renderer to serve at `/` (default dist/renderer of this checkout). */
  rendererDir?: string;
}

export interface RunningHttpServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The headless face of the engine: OpenAI Files/Batches, /health, /api/<request>, the WebSocket and the UI. */
export async function startHttpServer(engine: Engine, opts: HttpOptions): Promise<RunningHttpServer> {
  if (!isLoopbackHost(opts.host) && !opts.token) {
    throw new Error(`Refusing to listen on ${opts.host} without a token: anyone on the network could drive the engine. Pass --token T (clients then send Authorization: Bearer T), or bind 127.0.0.1.`);
  }
  const guard = new RequestGuard({ host: opts.host, port: opts.port, token: opts.token });
  const app = Fastify({ bodyLimit: 600 * 1024 * 1024, logger: false });
  await app.register(multipart, { limits: { fileSize: 4 * 1024 * 1024 * 1024, files: 1, fields: 10 } });

  app.addHook('onRequest', async (req, reply) => {
    const isApi = req.url.startsWith('/v1/') || req.url.startsWith('/api/') || req.url === '/health' || req.url.startsWith('/health?');
    const verdict = guard.check(req.raw, { changesState: req.method !== 'GET' && req.method !== 'HEAD', isStatic: !isApi });
    if (!verdict.ok) return sendOpenAiError(reply, verdict.status, verdict.message);
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) console.error('request failed:', err);
    const message = err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'Unsupported content-type; send application/json'
      : err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'The request body is empty; send a JSON object'
        : status === 400 && err.message ? `Bad request: ${err.message}` : status >= 500 ? `Internal error: ${err.message}` : err.message;
    return sendOpenAiError(reply, status, message);
  });
  app.setNotFoundHandler((req, reply) => sendOpenAiError(reply, 404, `No route ${req.method} ${req.url.split('?')[0]}`));

  registerFilesRoutes(app, engine);
  registerBatchesRoutes(app, engine);
  registerHealthRoutes(app, engine);
  registerContractRoutes(app, engine);

  const rendererDir = opts.rendererDir ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/renderer');
  if (fs.existsSync(path.join(rendererDir, 'index.html'))) {
    await app.register(fastifyStatic, { root: rendererDir, prefix: '/', index: ['index.html'], wildcard: false });
  } else {
    app.get('/', async (_req, reply) => reply.type('text/plain').send(`The window is not built: run \`npm run build:renderer\` (looked in ${rendererDir}). The API is up.`));
  }

  const ws = new WsTransport(engine, guard);
  app.server.on('upgrade', (req, socket, head) => ws.handleUpgrade(req, socket, head));

  await app.listen({ host: opts.host, port: opts.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  guard.setPort(port);
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${hostForUrl}:${port}`,
    port,
    async close() {
      ws.close();
      await app.close();
    },
  };
}
