/**
 * A batch file is validated while it is uploaded (the raw body the window sends, and the multipart form of the
 * OpenAI SDKs): errors show up before the upload ends, an upload cut off mid-way keeps nothing, and
 * `POST /v1/batches` takes the result made at upload instead of reading the file again.
 */
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UploadProgress } from '../../shared/upload.ts';
import { chatLines, waitFor } from '../support/batchApi.ts';
import { startInProcessServer, type InProcessServer } from './api/inProcessServer.ts';

describe('validating a batch file while it uploads', () => {
  let s: InProcessServer;

  beforeAll(async () => {
    s = await startInProcessServer([]);
  });
  afterAll(async () => {
    await s?.close();
  });

  const count = (sql: string, ...args: unknown[]): number => (s.engine.db.prepare(sql).get(...args) as { n: number }).n;
  const storedFiles = (): string[] => fs.readdirSync(path.join(s.engine.config.dataDir, 'files')).filter((f) => !f.startsWith('.'));

  /** A raw upload whose body the test writes piece by piece; `done` is the server's answer. */
  function openRawUpload(name: string, totalBytes: number): { req: http.ClientRequest; done: Promise<{ status: number; body: { id?: string } }> } {
    const req = http.request(`${s.http.url}/v1/files?purpose=batch&filename=${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'content-length': totalBytes },
    });
    const done = new Promise<{ status: number; body: { id?: string } }>((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => { text += c; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as { id?: string } }));
      });
      req.on('error', reject);
    });
    return { req, done };
  }

  it('reports a bad first line while the rest of the file is still on its way, and every error at the end', async () => {
    const good = chatLines(20_000, { prefix: 'early' }); // ~3 MB after the bad line
    const head = 'this is not json\n' + good;
    const tail = '{"custom_id": "last", "method": "GET"}\n';
    const progress: UploadProgress[] = [];
    const off = s.engine.feed.subscribe((name, payload) => { if (name === 'upload.progress') progress.push(payload as UploadProgress); });
    try {
      const upload = openRawUpload('bad.jsonl', Buffer.byteLength(head) + Buffer.byteLength(tail));
      upload.req.write(head);
      // The last bytes are held back: the error must arrive while the upload is unfinished.
      const early = await waitFor('the first error while uploading', () => progress.find((p) => p.firstErrors.some((e) => e.line === 1)));
      expect(early.firstErrors[0]).toMatchObject({ line: 1 });
      expect(storedFiles()).toHaveLength(1);
      upload.req.end(tail);
      const { status, body } = await upload.done;
      expect(status).toBe(200);

      const report = await s.engine.uploads.validate(body.id!);
      expect(report.ok).toBe(false);
      expect(report.lineCount).toBe(20_002);
      expect(report.errors[0]).toMatchObject({ line: 1, code: 'invalid_json_line' });
      expect(report.errors.at(-1)).toMatchObject({ line: 20_002 });
      expect(report.bytes).toBe(Buffer.byteLength(head) + Buffer.byteLength(tail));
      // Nothing queued, nothing written: the rows stopped at the first bad line and were deleted.
      expect(count('SELECT COUNT(*) AS n FROM requests')).toBe(0);
      await expect(s.engine.uploads.submit({ fileId: body.id!, priority: 0 })).rejects.toThrow(/error\(s\); nothing was queued/);
      await s.engine.uploads.discard(body.id!);
    } finally {
      off();
    }
  });

  it('keeps no rows, no file and no report of an upload cut off mid-way', async () => {
    const content = chatLines(30_000, { prefix: 'cut' });
    const half = Buffer.from(content).subarray(0, Math.floor(Buffer.byteLength(content) / 2));
    const filesBefore = count('SELECT COUNT(*) AS n FROM files WHERE deleted = 0');
    const progress: UploadProgress[] = [];
    const off = s.engine.feed.subscribe((name, payload) => { if (name === 'upload.progress') progress.push(payload as UploadProgress); });
    try {
      const upload = openRawUpload('cut.jsonl', Buffer.byteLength(content));
      upload.done.catch(() => undefined);
      upload.req.write(half);
      // Validation is under way (rows are being written) when the connection drops.
      await waitFor('validation under way', () => progress.some((p) => p.lines > 1000));
      upload.req.destroy();
      await waitFor('the cut-off upload cleaned up', () => storedFiles().length === 0 && count('SELECT COUNT(*) AS n FROM requests') === 0);
      // Its hidden row is gone for good: not listed, nothing to validate or submit, nothing reserved.
      expect(count('SELECT COUNT(*) AS n FROM files WHERE deleted = 0')).toBe(filesBefore);
      expect(count('SELECT COUNT(*) AS n FROM files WHERE batch_id IS NOT NULL')).toBe(0);
      const list = await s.client.files.list();
      expect(list.data.filter((f) => f.filename === 'cut.jsonl')).toEqual([]);
    } finally {
      off();
    }
  });

  it('creates the batch from the result made at upload, without reading the file again', async () => {
    const content = chatLines(3_000, { prefix: 'api' });
    const file = await s.client.files.create({ file: await toFile(Buffer.from(content), 'api.jsonl'), purpose: 'batch' });
    const report = await s.engine.uploads.validate(file.id);
    expect(report).toMatchObject({ ok: true, lineCount: 3_000 });
    // Garbage after the upload: a second validation would fail the batch, so it must not happen.
    const stored = path.join(s.engine.config.dataDir, 'files', storedFiles().find((f) => f.startsWith(file.id))!);
    fs.appendFileSync(stored, 'not json at all\n');

    const created = await s.client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const queued = await waitFor('queued', async () => {
      const b = await s.client.batches.retrieve(created.id);
      return b.status !== 'validating' ? b : null;
    });
    expect(queued.status).not.toBe('failed');
    expect(queued.request_counts?.total).toBe(3_000);
    expect(count('SELECT COUNT(*) AS n FROM requests WHERE batch_id = ?', created.id)).toBe(3_000);
    await s.client.batches.cancel(created.id);
  });

  it('reports a file uploaded for another endpoint exactly as a batch of that endpoint always did', async () => {
    const content = chatLines(50, { prefix: 'ep' });
    const file = await s.client.files.create({ file: await toFile(Buffer.from(content), 'ep.jsonl'), purpose: 'batch' });
    await s.engine.uploads.validate(file.id);
    const created = await s.client.batches.create({ input_file_id: file.id, endpoint: '/v1/embeddings', completion_window: '24h' });
    const failed = await waitFor('failed', async () => {
      const b = await s.client.batches.retrieve(created.id);
      return b.status === 'failed' ? b : null;
    });
    const errors = failed.errors?.data ?? [];
    expect(errors).toHaveLength(50);
    expect(errors[0]).toMatchObject({ line: 1, code: 'mismatched_endpoint', param: 'url' });
    expect(errors[0]!.message).toMatch(/does not match the batch's endpoint/);
    expect(count('SELECT COUNT(*) AS n FROM requests WHERE batch_id = ?', created.id)).toBe(0);
  });

  it('discarding an upload while it is still arriving stops it and keeps nothing', async () => {
    const content = chatLines(30_000, { prefix: 'drop' });
    const progress: UploadProgress[] = [];
    const off = s.engine.feed.subscribe((name, payload) => { if (name === 'upload.progress') progress.push(payload as UploadProgress); });
    const upload = openRawUpload('drop.jsonl', Buffer.byteLength(content));
    try {
      upload.req.on('error', () => undefined);
      upload.req.write(Buffer.from(content).subarray(0, Buffer.byteLength(content) - 1000));
      const seen = await waitFor('validation under way', () => progress.find((p) => p.lines > 1000));
      const reserved = (s.engine.db.prepare('SELECT batch_id FROM files WHERE id = ?').get(seen.fileId) as { batch_id: string }).batch_id;
      await waitFor('rows written during the upload', () => count('SELECT COUNT(*) AS n FROM requests WHERE batch_id = ?', reserved) > 0);
      expect(await s.engine.uploads.discard(seen.fileId)).toEqual({ fileId: seen.fileId, removed: true });
      // Stopped, not left to run: the upload is answered at once, and nothing of it is kept.
      const answer = await upload.done;
      expect(answer.status).toBe(400);
      expect(JSON.stringify(answer.body)).toMatch(/discarded/);
      expect(count('SELECT COUNT(*) AS n FROM requests WHERE batch_id = ?', reserved)).toBe(0);
      expect(storedFiles().filter((f) => f.startsWith(seen.fileId))).toEqual([]);
      expect(count('SELECT COUNT(*) AS n FROM files WHERE id = ? AND deleted = 0', seen.fileId)).toBe(0);
    } finally {
      upload.req.destroy();
      off();
    }
  });

  /** A file big enough (over 32 MiB) that its rows are written on a thread of their own, behind the scan. */
  async function uploadBig(name: string): Promise<{ id: string; reserved: string; lines: number }> {
    const lines = 200_000;
    const res = await fetch(`${s.http.url}/v1/files?purpose=batch&filename=${name}`, {
      method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: chatLines(lines, { prefix: name }),
    });
    const { id } = (await res.json()) as { id: string };
    const reserved = (s.engine.db.prepare('SELECT batch_id FROM files WHERE id = ?').get(id) as { batch_id: string }).batch_id;
    return { id, reserved, lines };
  }

  it('queues every request of a big file on Submit, even when the report came before its last rows were written', async () => {
    const big = await uploadBig('big-submit');
    const report = await s.engine.uploads.validate(big.id);
    expect(report).toMatchObject({ ok: true, lineCount: big.lines });
    const batch = await s.engine.uploads.submit({ fileId: big.id, priority: 0 });
    expect(batch.id).toBe(big.reserved);
    expect(batch.counts.total).toBe(big.lines);
    expect(count('SELECT COUNT(*) AS n FROM requests WHERE batch_id = ?', big.reserved)).toBe(big.lines);
    await s.engine.batches.cancel(batch.id);
  });

  it('discarding a big file right after its report keeps none of the rows still being written', async () => {
    const big = await uploadBig('big-discard');
    await s.engine.uploads.validate(big.id);
    expect(await s.engine.uploads.discard(big.id)).toEqual({ fileId: big.id, removed: true });
    expect(count('SELECT COUNT(*) AS n FROM requests WHERE batch_id = ?', big.reserved)).toBe(0);
    expect(storedFiles().filter((f) => f.startsWith(big.id))).toEqual([]);
    // And nothing arrives later from a writer that was still at work.
    await new Promise((r) => setTimeout(r, 300));
    expect(count('SELECT COUNT(*) AS n FROM requests WHERE batch_id = ?', big.reserved)).toBe(0);
  });
});
