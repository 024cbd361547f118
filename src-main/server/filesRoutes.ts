import type { FastifyInstance } from 'fastify';
import { Readable } from 'node:stream';
import fs from 'node:fs';
import { create as contentDisposition } from 'content-disposition';
import type { Engine } from '../core/engine.ts';
import { fileObject } from './openaiShapes.ts';
import { sendOpenAiError } from './openaiErrors.ts';
import { isRawUpload, registerRawUploadParser, saveRawUpload } from './rawUpload.ts';
import { UPLOAD_KEY_HEADER } from '../../shared/upload.ts';
import { uploadKeyOf } from './uploadKeyHeader.ts';

/**
 * RFC 6266 `attachment` with an ASCII fallback and `filename*=UTF-8''...` for any other name; control
 * characters cannot travel in a header at all, so they become `_` first.
 */
export function attachmentHeader(filename: string): string {
  // eslint-disable-next-line no-control-regex
  const printable = filename.replace(/[\u0000-\u001f\u007f-\u009f]/g, '_');
  return contentDisposition(printable || 'download.jsonl');
}

const PURPOSES = new Set(['batch', 'batch_output', 'fine-tune', 'assistants', 'user_data', 'evals', 'vision']);

/** OpenAI Files API: upload, list, retrieve, delete, content. */
export function registerFilesRoutes(app: FastifyInstance, engine: Engine): void {
  registerRawUploadParser(app);
  app.post('/v1/files', async (req, reply) => {
    if (isRawUpload(req)) return saveRawUpload(req, reply, engine);
    if (!req.isMultipart()) return sendOpenAiError(reply, 400, 'Upload the file as multipart/form-data with fields "file" and "purpose", or as the raw body (application/octet-stream) with ?purpose=batch&filename=NAME', { param: 'file' });
    const key = uploadKeyOf(req);
    if (!key.ok) return sendOpenAiError(reply, 400, key.message, { param: UPLOAD_KEY_HEADER });
    let purpose: string | null = null;
    let saved: ReturnType<Engine['fileStore']['saveText']> | null = null;
    try {
      for await (const part of req.parts()) {
        if (part.type === 'field' && part.fieldname === 'purpose') purpose = String(part.value);
        else if (part.type === 'file' && part.fieldname === 'file') {
          if (saved) {
            part.file.resume();
            continue;
          }
          // A batch file (or one whose purpose field comes later) is validated while it arrives.
          const declared = Number(req.headers['content-length']);
          saved = purpose === null || purpose === 'batch'
            ? await engine.uploads.receive(part.filename || 'upload.jsonl', part.file, Number.isFinite(declared) ? declared : undefined, { uploadKey: key.uploadKey })
            : await engine.fileStore.saveStream(part.filename || 'upload.jsonl', purpose, part.file);
          if (part.file.truncated) {
            await engine.uploads.discard(saved.id);
            return sendOpenAiError(reply, 413, 'The file is larger than this server accepts', { param: 'file' });
          }
        } else if (part.type === 'file') part.file.resume();
      }
    } catch (err) {
      if (saved) await engine.uploads.discard(saved.id);
      return sendOpenAiError(reply, 400, `Could not read the upload: ${(err as Error).message}`, { param: 'file' });
    }
    if (!saved) return sendOpenAiError(reply, 400, 'Missing the "file" field', { param: 'file' });
    if (!purpose || !PURPOSES.has(purpose)) {
      await engine.uploads.discard(saved.id);
      return sendOpenAiError(reply, 400, `Invalid purpose ${JSON.stringify(purpose)}; use "batch"`, { param: 'purpose' });
    }
    // Validated as a batch file before its purpose was known: it is not one, so its request rows go.
    if (purpose !== 'batch') await engine.uploads.unprepare(saved.id);
    if (saved.purpose !== purpose) engine.db.prepare('UPDATE files SET purpose = ? WHERE id = ?').run(purpose, saved.id);
    return reply.code(200).send(fileObject({ ...saved, purpose }));
  });

  app.get('/v1/files', async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const limit = q.limit === undefined ? 10000 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10000) return sendOpenAiError(reply, 400, 'limit must be an integer from 1 to 10000', { param: 'limit' });
    const order = q.order === 'asc' ? 'asc' : q.order === undefined || q.order === 'desc' ? 'desc' : null;
    if (!order) return sendOpenAiError(reply, 400, 'order must be asc or desc', { param: 'order' });
    if (q.after !== undefined && engine.files.get(q.after)?.kind !== 'upload') return sendOpenAiError(reply, 400, `after: no file ${q.after}`, { param: 'after' });
    const rows = engine.files.list({ purpose: q.purpose, limit: limit + 1, after: q.after, order }).filter((r) => r.kind === 'upload');
    const page = rows.slice(0, limit);
    return { object: 'list', data: page.map(fileObject), first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null, has_more: rows.length > limit };
  });

  app.get('/v1/files/:id', async (req, reply) => {
    const { id } = req.params as { id: string };
    const row = engine.files.get(id);
    if (!row) return sendOpenAiError(reply, 404, `No such File object: ${id}`, { param: 'id' });
    if (row.kind !== 'upload' && row.batch_id) {
      let bytes = 0;
      for (const l of engine.queries.lines(row.batch_id, row.kind === 'batch_output' ? 'output' : 'error')) bytes += Buffer.byteLength(l) + 1;
      return fileObject({ ...row, bytes });
    }
    return fileObject(row);
  });

  app.delete('/v1/files/:id', async (req, reply) => {
    const { id } = req.params as { id: string };
    const row = engine.files.get(id);
    if (!row) return sendOpenAiError(reply, 404, `No such File object: ${id}`, { param: 'id' });
    const user = engine.db.prepare("SELECT id FROM batches WHERE input_file_id = ? AND status IN ('validating','queued','in_progress','paused','finalizing','cancelling')").get(id) as { id: string } | undefined;
    if (user) return sendOpenAiError(reply, 409, `File ${id} is the input of batch ${user.id}, which is still running; cancel it first`, { param: 'id' });
    // An upload validated for the window but never submitted has request rows under its reserved batch id.
    if (row.kind === 'upload') await engine.uploads.deleteUpload(row);
    else engine.fileStore.remove(row);
    return { id, object: 'file', deleted: true };
  });

  app.get('/v1/files/:id/content', { config: { tokenInQuery: true } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const row = engine.files.get(id);
    if (!row) return sendOpenAiError(reply, 404, `No such File object: ${id}`, { param: 'id' });
    reply.header('content-type', 'application/jsonl');
    reply.header('content-disposition', attachmentHeader(row.filename));
    if (row.kind === 'upload') {
      if (!row.path || !fs.existsSync(row.path)) return sendOpenAiError(reply, 404, `The content of ${id} is gone from the data dir`, { param: 'id' });
      return reply.send(fs.createReadStream(row.path));
    }
    const lines = engine.queries.lines(row.batch_id ?? '', row.kind === 'batch_output' ? 'output' : 'error');
    return reply.send(Readable.from((function* () {
      for (const l of lines) yield l + '\n';
    })()));
  });
}
