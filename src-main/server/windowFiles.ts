import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, RouteOptions } from 'fastify';
import fastifyStatic from '@fastify/static';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A file of the built window: the only routes that need no token. */
    windowFile?: boolean;
  }
}

/** The URLs of the built window (vite's index.html and hashed assets, and icons): nothing else is public. */
const WINDOW_FILE_URL = /^\/(?:index\.html)?$|^\/assets\/[\w.-]+$|^\/(?:favicon\.ico|icons\/[\w.-]+)$/;

function isWindowFileRoute(route: RouteOptions): boolean {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  return WINDOW_FILE_URL.test(route.url) && methods.every((m) => m === 'GET' || m === 'HEAD');
}

/**
 * Serves the built renderer at `/` and marks exactly its files as public routes. The access decision reads
 * that mark from the route the router matched, so no spelling of an API path can pass for a window file.
 */
export async function registerWindowFiles(app: FastifyInstance, rendererDir: string): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      if (isWindowFileRoute(route)) route.config = { ...route.config, windowFile: true };
    });
    if (fs.existsSync(path.join(rendererDir, 'index.html'))) {
      await scope.register(fastifyStatic, { root: rendererDir, prefix: '/', index: ['index.html'], wildcard: false, serveDotFiles: false });
    } else {
      scope.get('/', async (_req, reply) => reply.type('text/plain; charset=utf-8').send('The window is not built: run `npm run build:renderer` in the Batchdeck checkout on the server. The API is up.'));
    }
  });
}
