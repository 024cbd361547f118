/**
 * An engine killed while a batch file is arriving and being validated: after the restart nothing of that
 * upload is left (no rows, no stored bytes, no listed file), and a file uploaded whole before the crash is
 * still there to create a batch from.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { chatLines, uploadFile, waitFor } from '../support/batchApi.ts';
import { startServe, type Spawned } from '../support/processes.ts';

describe('an engine killed during an upload', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-upload-crash-'));
  let serve: Spawned | null = null;
  afterAll(async () => {
    await serve?.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const count = (sql: string): number => {
    const db = new Database(path.join(dataDir, 'batchdeck.sqlite'), { readonly: true });
    try {
      return (db.prepare(sql).get() as { n: number }).n;
    } finally {
      db.close();
    }
  };

  it('keeps nothing of the upload it was validating, and the uploads that had arrived whole', async () => {
    serve = await startServe(['--data-dir', dataDir]);
    const whole = await uploadFile(serve.url, 'whole.jsonl', chatLines(100));

    const content = Buffer.from(chatLines(60_000, { prefix: 'crash' }));
    const req = http.request(`${serve.url}/v1/files?purpose=batch&filename=crash.jsonl`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'content-length': content.length },
    });
    req.on('error', () => undefined);
    req.write(content.subarray(0, content.length - 1000));
    // Killed once rows of the half-arrived upload are in the database.
    await waitFor('rows written during the upload', () => count('SELECT COUNT(*) AS n FROM requests') > 100);
    await serve.kill('SIGKILL');
    req.destroy();

    serve = await startServe(['--data-dir', dataDir]);
    expect(count('SELECT COUNT(*) AS n FROM requests')).toBe(0);
    expect(count("SELECT COUNT(*) AS n FROM files WHERE kind = 'upload' AND batch_id IS NOT NULL")).toBe(0);
    expect(fs.readdirSync(path.join(dataDir, 'files')).filter((f) => !f.startsWith(whole.id))).toEqual([]);
    const listed = (await (await fetch(`${serve.url}/v1/files`)).json()) as { data: { id: string; filename: string }[] };
    expect(listed.data.map((f) => f.filename)).toEqual(['whole.jsonl']);

    // The whole upload (its rows from before the crash dropped) still makes a batch, validated again.
    const created = await fetch(`${serve.url}/v1/batches`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input_file_id: whole.id, endpoint: '/v1/chat/completions', completion_window: '24h' }),
    });
    const batch = (await created.json()) as { id: string };
    await waitFor('queued', async () => {
      const b = (await (await fetch(`${serve!.url}/v1/batches/${batch.id}`)).json()) as { status: string; request_counts: { total: number } };
      return b.status !== 'validating' ? b : null;
    }).then((b) => expect(b.request_counts.total).toBe(100));
  });
});
