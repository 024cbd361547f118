import { Transform, type Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Engine } from '../core/engine.ts';
import { UPLOAD_FILE_LIMIT_BYTES } from './bodyLimits.ts';
import { sendOpenAiError } from './openaiErrors.ts';
import { fileObject } from './openaiShapes.ts';
import { UPLOAD_KEY_HEADER } from '../../shared/upload.ts';
import { uploadKeyOf } from './uploadKeyHeader.ts';

/**
 * The window's upload: `POST /v1/files?purpose=batch&filename=NAME` with the file itself as the body
 * (what `fetch(url, { body: file })` or XHR send), streamed to disk as it arrives. Same endpoint and answer as
 * the multipart form the OpenAI SDKs send; the body is never buffered, whatever its size.
 */
export const RAW_UPLOAD_TYPES = ['application/octet-stream', 'application/jsonl', 'application/x-ndjson', 'application/x-jsonlines', 'text/plain'];

/** Hands these bodies to the route as the request stream, unread (the JSON body limit does not apply). */
export function registerRawUploadParser(app: FastifyInstance): void {
  app.addContentTypeParser(RAW_UPLOAD_TYPES, (_req, payload, done) => done(null, payload));
}

export function isRawUpload(req: FastifyRequest): boolean {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  return RAW_UPLOAD_TYPES.includes(type);
}

const PURPOSES = new Set(['batch', 'batch_output', 'fine-tune', 'assistants', 'user_data', 'evals', 'vision']);

export async function saveRawUpload(req: FastifyRequest, reply: FastifyReply, engine: Engine): Promise<unknown> {
  const q = req.query as Record<string, string | undefined>;
  const purpose = q['purpose'] ?? 'batch';
  if (!PURPOSES.has(purpose)) return sendOpenAiError(reply, 400, `Invalid purpose ${JSON.stringify(purpose)}; use "batch"`, { param: 'purpose' });
  const filename = (q['filename'] ?? '').trim() || 'upload.jsonl';
  const key = uploadKeyOf(req);
  if (!key.ok) return sendOpenAiError(reply, 400, key.message, { param: UPLOAD_KEY_HEADER });
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > UPLOAD_FILE_LIMIT_BYTES) {
    return sendOpenAiError(reply, 413, `The file is ${declared} bytes, over the ${UPLOAD_FILE_LIMIT_BYTES} bytes this server accepts`, { param: 'file' });
  }
  let tooLarge = false;
  let seen = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > UPLOAD_FILE_LIMIT_BYTES) {
        tooLarge = true;
        cb(new Error('upload over the size limit'));
      } else cb(null, chunk);
    },
  });
  const body = req.body as Readable & { complete?: boolean };
  // pipe() does not pass a client's abort on; without this the half-written file would wait forever.
  body.once('error', (err) => limit.destroy(err));
  body.once('close', () => { if (body.complete === false) limit.destroy(new Error('the client closed the connection mid-upload')); });
  try {
    // A batch file is validated while it arrives; the report (files.validate) is ready just after the last byte.
    const saved = purpose === 'batch'
      ? await engine.uploads.receive(filename, body.pipe(limit), Number.isFinite(declared) ? declared : undefined, { uploadKey: key.uploadKey })
      : await engine.fileStore.saveStream(filename, purpose, body.pipe(limit));
    return reply.code(200).send(fileObject(saved));
  } catch (err) {
    if (tooLarge) return sendOpenAiError(reply, 413, `The file is over the ${UPLOAD_FILE_LIMIT_BYTES} bytes this server accepts`, { param: 'file' });
    return sendOpenAiError(reply, 400, `Could not read the upload (the connection closed before the end?): ${(err as Error).message}`, { param: 'file' });
  }
}
