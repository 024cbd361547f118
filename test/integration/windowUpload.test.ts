/**
 * The window's file path over real HTTP against `batchdeck serve` with a token: the file streamed as the raw
 * body of POST /v1/files, validated once, submitted by id, results downloaded by link (`?token=` on the content
 * route only), uploads discarded (or deleted through the Files API) with their rows, and the desktop-only path
 * import refused to HTTP clients.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, chatLines, uploadFile } from '../support/batchApi.ts';
import { startServe, type Spawned } from '../support/processes.ts';

const TOKEN = 'window-upload-test-token';

describe('the window upload path over HTTP', () => {
  let serve: Spawned;
  let dataDir: string;
  let call: ReturnType<typeof api>;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-window-upload-'));
    serve = await startServe(['--data-dir', dataDir], { BATCHDECK_TOKEN: TOKEN });
    call = api(serve.url, TOKEN);
  });
  afterAll(async () => {
    await serve?.kill();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const rowsOf = (batchId: string): number => {
    const db = new Database(path.join(dataDir, 'batchdeck.sqlite'), { readonly: true });
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM requests WHERE batch_id = ?').get(batchId) as { n: number }).n;
    } finally {
      db.close();
    }
  };

  it('validates a streamed upload once and queues it by id, without reading it again', async () => {
    const file = await uploadFile(serve.url, 'raw.jsonl', chatLines(500), TOKEN);
    expect(file).toMatchObject({ object: 'file', filename: 'raw.jsonl', purpose: 'batch', bytes: Buffer.byteLength(chatLines(500)) });
    const report = await call('files.validate', { fileId: file.id });
    expect(report).toMatchObject({ ok: true, lineCount: 500, fileId: file.id, model: 'sim-model' });

    // The bytes on disk change after validation: Submit must not read them (it would find the garbage).
    const stored = fs.readdirSync(path.join(dataDir, 'files')).find((f) => f.startsWith(file.id))!;
    fs.appendFileSync(path.join(dataDir, 'files', stored), 'not json at all\n');
    const batch = await call('batches.submit', { fileId: file.id, name: 'raw' });
    expect(batch.counts.total).toBe(500);
    expect(['queued', 'in_progress']).toContain(batch.status);
    expect(rowsOf(batch.id)).toBe(500);
    // Submitted once: a second submit of the same upload is refused.
    await expect(call('batches.submit', { fileId: file.id })).rejects.toThrow(/has not been validated|discarded/);
  });

  it('refuses the upload without the token', async () => {
    await expect(uploadFile(serve.url, 'x.jsonl', chatLines(2))).rejects.toThrow(/HTTP 401/);
  });

  it('discarding an upload removes its stored file and the rows written for it', async () => {
    const file = await uploadFile(serve.url, 'discard.jsonl', chatLines(50), TOKEN);
    await call('files.validate', { fileId: file.id });
    const db = new Database(path.join(dataDir, 'batchdeck.sqlite'), { readonly: true });
    const reserved = (db.prepare('SELECT batch_id FROM files WHERE id = ?').get(file.id) as { batch_id: string }).batch_id;
    db.close();
    expect(rowsOf(reserved)).toBe(50);
    expect(await call('files.discard', { fileId: file.id })).toEqual({ fileId: file.id, removed: true });
    expect(rowsOf(reserved)).toBe(0);
    const res = await fetch(`${serve.url}/v1/files/${file.id}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(404);
  });

  it('deleting a validated, unsubmitted upload through DELETE /v1/files removes its rows at once', async () => {
    const file = await uploadFile(serve.url, 'delete.jsonl', chatLines(40), TOKEN);
    await call('files.validate', { fileId: file.id });
    const db = new Database(path.join(dataDir, 'batchdeck.sqlite'), { readonly: true });
    const reserved = (db.prepare('SELECT batch_id FROM files WHERE id = ?').get(file.id) as { batch_id: string }).batch_id;
    db.close();
    expect(rowsOf(reserved)).toBe(40);
    const res = await fetch(`${serve.url}/v1/files/${file.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(await res.json()).toEqual({ id: file.id, object: 'file', deleted: true });
    expect(rowsOf(reserved)).toBe(0);
    // Nothing is left to submit either.
    await expect(call('batches.submit', { fileId: file.id })).rejects.toThrow(/has not been validated|discarded/);
  });

  it('takes ?token= on the content download link only', async () => {
    const file = await uploadFile(serve.url, 'link.jsonl', chatLines(3), TOKEN);
    const withQuery = await fetch(`${serve.url}/v1/files/${file.id}/content?token=${TOKEN}`);
    expect(withQuery.status).toBe(200);
    expect((await withQuery.text()).trim().split('\n')).toHaveLength(3);
    expect((await fetch(`${serve.url}/v1/files/${file.id}/content`)).status).toBe(401);
    expect((await fetch(`${serve.url}/v1/files/${file.id}/content?token=wrong`)).status).toBe(401);
    expect((await fetch(`${serve.url}/v1/files/${file.id}?token=${TOKEN}`)).status).toBe(401);
    expect((await fetch(`${serve.url}/v1/files?token=${TOKEN}`)).status).toBe(401);
  });

  it('refuses the desktop-only path import and results save to HTTP clients, reading nothing', async () => {
    await expect(call('files.importPath', { path: '/etc/passwd' })).rejects.toThrow(/desktop window only/);
    await expect(call('batches.saveResults', { id: 'batch-x', kind: 'output' })).rejects.toThrow(/desktop window only/);
  });
});
