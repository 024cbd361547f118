import type { FastifyReply } from 'fastify';
import type { ApiErrorBody } from '../../shared/contract/index.ts';

/** OpenAI's error body: `{ error: { message, type, param, code } }`. */
export function sendOpenAiError(reply: FastifyReply, status: number, message: string, opts: { param?: string | null; code?: string | null; type?: string } = {}): FastifyReply {
  const type = opts.type ?? (status === 401 ? 'authentication_error' : status === 404 ? 'invalid_request_error' : status >= 500 ? 'server_error' : 'invalid_request_error');
  return reply.code(status).send({ error: { message, type, param: opts.param ?? null, code: opts.code ?? null } });
}

export function statusOfApiError(code: ApiErrorBody['code']): number {
  switch (code) {
    case 'invalid_input':
    case 'unknown_request':
      return 400;
    case 'forbidden':
      return 403;
    case 'not_found':
      return 404;
    case 'conflict':
      return 409;
    case 'unavailable':
      return 503;
    default:
      return 500;
  }
}
