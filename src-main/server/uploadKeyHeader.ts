import type { FastifyRequest } from 'fastify';
import { uploadKeySchema } from '../../shared/contract/uploadKey.ts';
import { UPLOAD_KEY_HEADER } from '../../shared/upload.ts';

/**
 * The sender's key for an upload (`X-Batchdeck-Upload-Key`), which its `upload.progress` events then carry: a
 * UUID or nothing. It is only a correlation id and grants nothing; anything but one UUID is refused, so the
 * events never echo header text of a client's choosing.
 */
export function uploadKeyOf(req: FastifyRequest): { ok: true; uploadKey: string | undefined } | { ok: false; message: string } {
  const raw = req.headers[UPLOAD_KEY_HEADER];
  if (raw === undefined) return { ok: true, uploadKey: undefined };
  const parsed = uploadKeySchema.safeParse(raw);
  if (parsed.success) return { ok: true, uploadKey: parsed.data };
  return { ok: false, message: `The ${UPLOAD_KEY_HEADER} header must be one UUID (crypto.randomUUID()), or left out` };
}
