import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src-main/simulator/simulator.ts';
import { api, chatLines, downloadLines, submitText, waitFor } from '../support/batchApi.ts';
import { startServe, type Spawned } from '../support/processes.ts';

type Sim = Awaited<ReturnType<typeof startSimulator>>;

describe('crash recovery', () => {
  let sim: Sim;
  let serve: Spawned | null = null;
  let dataDir: string;

  beforeAll(async () => {
    sim = await startSimulator({ port: 0, latencyMs: 10, slots: 16 });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-crash-'));
  });
  afterAll(async () => {
    await serve?.kill('SIGKILL');
    await sim?.close();
  });

  it('finishes a batch by itself after SIGKILL and a restart, with every custom_id once and no finished request sent again', async () => {
    const N = 3000;
    serve = await startServe(['--data-dir', dataDir, '--backend', sim.url]);
    const call = api(serve.url);
    const batch = await submitText(serve.url, { name: 'crash.jsonl', content: chatLines(N) });

    await waitFor('a third of the batch done', async () => (await call('batches.get', { id: batch.id })).counts.completed >= N / 3, 60_000, 20);
    await serve.kill('SIGKILL');
    serve = null;

    // What SQLite held at the moment of the kill: these results must survive untouched.
    const db = new Database(path.join(dataDir, 'batchdeck.sqlite'), { readonly: true });
    const before = new Map((db.prepare('SELECT custom_id, response FROM requests WHERE batch_id = ? AND state = 1').all(batch.id) as { custom_id: string; response: string }[]).map((r) => [r.custom_id, JSON.parse(r.response).id as string]));
    db.close();
    expect(before.size).toBeGreaterThan(0);
    expect(before.size).toBeLessThan(N);

    serve = await startServe(['--data-dir', dataDir]);
    const call2 = api(serve.url);
    const done = await waitFor('completed after restart', async () => {
      const b = await call2('batches.get', { id: batch.id });
      return b.status === 'completed' ? b : null;
    }, 90_000);
    expect(done.counts).toEqual({ total: N, completed: N, failed: 0 });

    const out = (await downloadLines(serve.url, batch.outputFileId!)).map((l) => JSON.parse(l) as { custom_id: string; response: { body: { id: string } } });
    const ids = out.map((l) => l.custom_id);
    expect(ids).toHaveLength(N);
    expect(new Set(ids).size).toBe(N);
    expect(ids).toEqual(Array.from({ length: N }, (_, i) => `req-${i}`));
    // A result recorded before the crash keeps the response it had: it was not sent again.
    const after = new Map(out.map((l) => [l.custom_id as string, l.response.body.id as string]));
    for (const [cid, respId] of before) expect(after.get(cid)).toBe(respId);
    const log = await call2('batches.log', { id: batch.id });
    expect(log.map((e) => e.message).join('\n')).toMatch(/restarted; resuming/);
  });
});
