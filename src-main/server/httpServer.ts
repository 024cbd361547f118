import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyError } from 'fastify';
import multipart from '@fastify/multipart';
import type { Engine } from '../core/engine.ts';
import { isLoopbackHost } from './allowedHosts.ts';
import { registerBatchesRoutes } from './batchesRoutes.ts';
import { JSON_BODY_LIMIT_BYTES, TOO_LARGE_MESSAGE, UPLOAD_FILE_LIMIT_BYTES } from './bodyLimits.ts';
import { registerContractRoutes } from './contractRoutes.ts';
import { queryToken } from './downloadLinks.ts';
import { registerFilesRoutes } from './filesRoutes.ts';
import { registerHealthRoutes } from './healthRoutes.ts';
import { rawOpenAiErrorResponse, sendOpenAiError } from './openaiErrors.ts';
import { RequestGuard, type RouteAccess } from './requestGuard.ts';
import { SECURITY_HEADERS } from './securityHeaders.ts';
import { registerWindowFiles } from './windowFiles.ts';
import { WsTransport } from './wsTransport.ts';

export { isLoopbackHost } from './allowedHosts.ts';

export interface HttpOptions {
  host: string;
  port: number;
  token?: string | undefined;
  /** Names clients may use besides the bind address and loopback names (--allowed-host). */
  allowedHosts?: readonly string[] | undefined;
  /** Built renderer to serve at `/` (default dist/renderer of this checkout). */
  rendererDir?: string;
}

export interface RunningHttpServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** What the HTTP parser refused, answered in the server's one error shape rather than Node's or Fastify's. */
function clientErrorStatus(code: string | undefined): number {
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

/**
 * The headless face of the engine (and the desktop's local API): OpenAI Files/Batches, /health,
 * /api/<request>, the WebSocket and the window. Access is decided after routing, from the matched route.
 */
export async function startHttpServer(engine: Engine, opts: HttpOptions): Promise<RunningHttpServer> {
  if (!isLoopbackHost(opts.host) && !opts.token) {
    throw new Error(`Refusing to listen on ${opts.host} without a token: anyone on the network could drive the engine. Set BATCHDECK_TOKEN in the environment (clients then send Authorization: Bearer <token>), or bind 127.0.0.1.`);
  }
  const guard = new RequestGuard({ host: opts.host, port: opts.port, token: opts.token, allowedHosts: opts.allowedHosts });
  const app = Fastify({
    bodyLimit: JSON_BODY_LIMIT_BYTES,
    logger: false,
    // A malformed percent-escape never reaches routing or a handler.
    frameworkErrors: (err, _req, reply) => {
      reply.headers(SECURITY_HEADERS);
      return sendOpenAiError(reply, 400, err.code === 'FST_ERR_BAD_URL' ? 'The request path is not a valid URL' : 'Bad request');
    },
    clientErrorHandler: (err: Error & { code?: string }, socket) => {
      if (socket.writable) socket.end(rawOpenAiErrorResponse(clientErrorStatus(err.code), 'The HTTP request could not be parsed'));
      else socket.destroy();
    },
  });
  await app.register(multipart, { limits: { fileSize: UPLOAD_FILE_LIMIT_BYTES, files: 1, fields: 10 } });

  app.addHook('onRequest', async (req, reply) => {
    reply.headers(SECURITY_HEADERS);
    const access: RouteAccess = req.is404 ? 'no-route' : req.routeOptions.config.windowFile === true ? 'window-file' : 'api';
    const verdict = guard.check(req.raw, access, { tokenFromQuery: access === 'api' ? queryToken(req) : null });
    if (!verdict.ok) return sendOpenAiError(reply, verdict.status, verdict.message);
  });

  app.setErrorHandler((err: FastifyError, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) console.error('request failed:', err);
    if (status === 413) return sendOpenAiError(reply, 413, TOO_LARGE_MESSAGE, { code: 'request_too_large' });
    const message = err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'Unsupported content-type; send application/json'
      : err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'The request body is empty; send a JSON object'
        : status === 400 && err.message ? `Bad request: ${err.message}` : status >= 500 ? `Internal error: ${err.message}` : err.message;
    return sendOpenAiError(reply, status, message);
  });
  // Reached only by a request the guard let through (it answers unmatched routes itself); no echo of the path.
  app.setNotFoundHandler((_req, reply) => sendOpenAiError(reply, 404, 'No such route'));

  registerFilesRoutes(app, engine);
  registerBatchesRoutes(app, engine);
  registerHealthRoutes(app, engine);
  registerContractRoutes(app, engine);
  await registerWindowFiles(app, opts.rendererDir ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/renderer'));

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
