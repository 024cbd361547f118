import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { completionWindowMs, ENDPOINTS } from '../../shared/batch.ts';
import { ApiError } from '../../shared/contract/index.ts';
import type { Engine } from '../core/engine.ts';
import { batchObject } from './openaiShapes.ts';
import { sendOpenAiError, statusOfApiError } from './openaiErrors.ts';

/** The most log lines the compatibility route returns (the window's log view shows as many). */
const LOG_LINES = 5000;

/** OpenAI Batches API: create, list, retrieve, cancel; and the replaced dashboard's results, logs and DELETE. */
export function registerBatchesRoutes(app: FastifyInstance, engine: Engine): void {
  const present = (id: string) => {
    const row = engine.db.prepare('SELECT * FROM batches WHERE id = ?').get(id) as Parameters<typeof batchObject>[1] | undefined;
    return row ? batchObject(engine.batches.summary(id), row) : null;
  };

  app.post('/v1/batches', async (req, reply) => {
    const body = req.body as Record<string, unknown> | null | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body)) return sendOpenAiError(reply, 400, 'The request body must be a JSON object');
    const { input_file_id, endpoint, completion_window, metadata } = body;
    if (typeof input_file_id !== 'string' || !input_file_id) return sendOpenAiError(reply, 400, 'Missing required parameter: input_file_id', { param: 'input_file_id' });
    if (typeof endpoint !== 'string' || !(ENDPOINTS as readonly string[]).includes(endpoint)) {
      return sendOpenAiError(reply, 400, `Invalid endpoint ${JSON.stringify(endpoint)}; supported: ${ENDPOINTS.join(', ')}`, { param: 'endpoint' });
    }
    if (typeof completion_window !== 'string' || completionWindowMs(completion_window) === null) {
      return sendOpenAiError(reply, 400, `completion_window ${JSON.stringify(completion_window)} is not supported: use "24h" (or, a Batchdeck extension, a number with m, h or d from 1m to 30d, such as "30m", "6h" or "7d")`, { param: 'completion_window' });
    }
    if (metadata !== undefined && metadata !== null) {
      const ok = typeof metadata === 'object' && !Array.isArray(metadata) && Object.keys(metadata).length <= 16 &&
        Object.entries(metadata).every(([k, v]) => k.length <= 64 && typeof v === 'string' && v.length <= 512);
      if (!ok) return sendOpenAiError(reply, 400, 'metadata must be an object of at most 16 string values (keys up to 64, values up to 512 characters)', { param: 'metadata' });
    }
    const file = engine.files.get(input_file_id);
    if (!file || file.kind !== 'upload') return sendOpenAiError(reply, 404, `No such File object: ${input_file_id}`, { param: 'input_file_id' });
    if (file.purpose !== 'batch') return sendOpenAiError(reply, 400, `File ${input_file_id} has purpose ${file.purpose}; a batch input needs purpose "batch"`, { param: 'input_file_id' });
    const priorityHeader = req.headers['x-batchdeck-priority'];
    const priority = typeof priorityHeader === 'string' && /^-?\d{1,3}$/.test(priorityHeader) ? Number(priorityHeader) : 0;
    try {
      const b = await engine.batches.createChecked({ inputFileId: input_file_id, endpoint, completionWindow: completion_window, metadata: (metadata ?? null) as Record<string, string> | null, priority });
      return present(b.id);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'rate_limited') return sendOpenAiError(reply, 429, err.message, { type: 'requests', code: 'queue_limit_exceeded' });
      if (err instanceof ApiError) return sendOpenAiError(reply, statusOfApiError(err.code), err.message);
      throw err;
    }
  });

  app.get('/v1/batches', async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const limit = q.limit === undefined ? 20 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) return sendOpenAiError(reply, 400, 'limit must be an integer from 1 to 100', { param: 'limit' });
    if (q.after !== undefined && !engine.db.prepare('SELECT 1 FROM batches WHERE id = ?').get(q.after)) {
      return sendOpenAiError(reply, 400, `after: no batch ${q.after}`, { param: 'after' });
    }
    const rows = engine.db.prepare(q.after
      ? 'SELECT id FROM batches WHERE seq < (SELECT seq FROM batches WHERE id = ?) ORDER BY seq DESC LIMIT ?'
      : 'SELECT id FROM batches ORDER BY seq DESC LIMIT ?').all(...(q.after ? [q.after, limit + 1] : [limit + 1])) as { id: string }[];
    const page = rows.slice(0, limit).map((r) => present(r.id)).filter((x) => x !== null);
    return { object: 'list', data: page, first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null, has_more: rows.length > limit };
  });

  app.get('/v1/batches/:id', async (req, reply) => {
    const { id } = req.params as { id: string };
    const b = present(id);
    if (!b) return sendOpenAiError(reply, 404, `No such Batch object: ${id}`, { param: 'batch_id' });
    return b;
  });

  const cancel = async (req: FastifyRequest, reply: FastifyReply) => {
    const { id } = req.params as { id: string };
    try {
      engine.batches.cancel(id);
    } catch (err) {
      if (err instanceof ApiError) return sendOpenAiError(reply, statusOfApiError(err.code), err.message, { param: 'batch_id' });
      throw err;
    }
    return present(id);
  };
  app.post('/v1/batches/:id/cancel', cancel);

  // Compatibility routes of the batch dashboard Batchdeck replaces, so its users' scripts keep working.
  // Thin aliases: DELETE is cancel, results is the output file's content, logs is the batch's event log.
  app.delete('/v1/batches/:id', cancel);

  app.get('/v1/batches/:id/results', async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!engine.batches.exists(id)) return sendOpenAiError(reply, 404, `No such Batch object: ${id}`, { param: 'batch_id' });
    const lines = engine.queries.lines(id, 'output');
    reply.header('content-type', 'application/jsonl');
    reply.header('content-disposition', `attachment; filename="${id}_output.jsonl"`);
    return reply.send(Readable.from((function* () {
      for (const l of lines) yield l + '\n';
    })()));
  });

  app.get('/v1/batches/:id/logs', async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!engine.batches.exists(id)) return sendOpenAiError(reply, 404, `No such Batch object: ${id}`, { param: 'batch_id' });
    const entries = engine.queries.log(id, LOG_LINES);
    const text = entries.map((e) => `${new Date(e.at).toISOString()} ${e.level.toUpperCase().padEnd(5)} ${e.message}`).join('\n');
    return reply.type('text/plain; charset=utf-8').send(text ? text + '\n' : '');
  });
}
