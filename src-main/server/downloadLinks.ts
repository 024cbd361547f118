import type { FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * A download the window opens as a plain link (`<a href download>`): a link cannot send an Authorization
     * header, and fetching a 200 MB result into a Blob is what these links exist to avoid. Such GET routes
     * also take the token as `?token=` (the same token the window's own URL carries for its WebSocket).
     */
    tokenInQuery?: boolean;
  }
}

/** The `?token=` of a route marked tokenInQuery, else null (every other route takes the header only). */
export function queryToken(req: FastifyRequest): string | null {
  if (req.routeOptions.config.tokenInQuery !== true || (req.method !== 'GET' && req.method !== 'HEAD')) return null;
  const token = (req.query as Record<string, unknown> | undefined)?.['token'];
  return typeof token === 'string' && token !== '' ? token : null;
}
