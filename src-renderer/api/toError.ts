/**
 * Whatever a transport rejected with, as an Error that keeps the engine's code and issues: the WebSocket
 * transport rejects with ApiError, a bridge may reject with a plain { code, message } or a cloned Error.
 */
export function toError(err: unknown): Error {
  if (err instanceof Error) return err;
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') {
    return Object.assign(new Error((err as { message: string }).message), err);
  }
  return new Error(String(err));
}
