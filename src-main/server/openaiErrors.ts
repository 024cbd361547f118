import { STATUS_CODES } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { ApiErrorBody } from '../../shared/contract/index.ts';
import { SECURITY_HEADERS } from './securityHeaders.ts';

export interface OpenAiErrorOptions {
  param?: string | null;
  code?: string | null;
  type?: string;
}

/** OpenAI's error body: `{ error: { message, type, param, code } }`, the only error shape this server sends. */
export function openAiErrorBody(status: number, message: string, opts: OpenAiErrorOptions = {}): { error: { message: string; type: string; param: string | null; code: string | null } } {
  const type = opts.type ?? (status === 401 ? 'authentication_error' : status === 403 ? 'permission_error' : status >= 500 ? 'server_error' : 'invalid_request_error');
  return { error: { message, type, param: opts.param ?? null, code: opts.code ?? null } };
}

export function sendOpenAiError(reply: FastifyReply, status: number, message: string, opts: OpenAiErrorOptions = {}): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(openAiErrorBody(status, message, opts));
}

/**
 * A whole HTTP/1.1 error response for places with only a socket (a refused WebSocket upgrade, a request the
 * HTTP parser rejected), in the same shape and with the same headers as every other response.
 */
export function rawOpenAiErrorResponse(status: number, message: string, opts: OpenAiErrorOptions = {}): string {
  const body = JSON.stringify(openAiErrorBody(status, message, opts));
  const headers = {
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
  };
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${body}`;
}

export function statusOfApiError(code: ApiErrorBody['code']): number {
  switch (code) {
    case 'invalid_input':
    case 'unknown_request':
      return 400;
    case 'unauthorized':
      return 401;
    case 'forbidden':
      return 403;
    case 'not_found':
      return 404;
    case 'conflict':
      return 409;
    case 'rate_limited':
      return 429;
    case 'unavailable':
      return 503;
    default:
      return 500;
  }
}
