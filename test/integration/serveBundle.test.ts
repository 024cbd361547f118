import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/batchApi.ts';
import { writeGoodBatchFile } from '../support/batchFiles.ts';
import { uploadMultipart } from '../support/multipartUpload.ts';
import { NODE24, REPO, startServe, type Spawned } from '../support/processes.ts';

/**
 * `npm run serve` runs the engine as a bundle (dist/serve/cli.cjs, workers beside it in workers/), not the
 * TypeScript the other tests run: built here the same way, it must serve the API and ingest a file big enough
 * to start both worker threads (the validator, and from 32 MiB the row writer it starts itself).
 */
describe('the headless engine as npm run serve runs it (the bundle)', () => {
  const work = fs.mkdtempSync(path.join(REPO, '.tmp', 'serve-bundle-'));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-serve-bundle-'));
  let serve: Spawned;

  beforeAll(async () => {
    const built = spawnSync(NODE24, [path.join(REPO, 'scripts', 'build-app.js'), '--only', 'serve', '--outdir', work], { cwd: REPO, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`build-app --only serve failed:\n${built.stderr}${built.stdout}`);
    expect(fs.readdirSync(path.join(work, 'workers')).filter((f) => f.endsWith('.cjs')).sort()).toEqual(['ingestWorker.cjs', 'rowWriterWorker.cjs']);
    serve = await startServe(['--data-dir', dataDir], undefined, path.join(work, 'cli.cjs'));
  }, 60_000);

  afterAll(async () => {
    await serve?.kill();
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('queues every request of a 38 MB file sent as the OpenAI SDKs send it', async () => {
    const count = 130_000;
    const { file, bytes } = await writeGoodBatchFile(path.join(dataDir, 'big.jsonl'), { count });
    expect(bytes).toBeGreaterThan(32 * 1024 * 1024);
    const uploaded = await uploadMultipart(serve.url, file);
    const res = await fetch(`${serve.url}/v1/batches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input_file_id: uploaded.id, endpoint: '/v1/chat/completions', completion_window: '24h' }),
    });
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: string };
    const batch = await waitFor('the batch to leave validating', async () => {
      const b = (await (await fetch(`${serve.url}/v1/batches/${id}`)).json()) as { status: string; request_counts: { total: number } };
      return b.status === 'validating' ? null : b;
    }, 60_000, 50);
    expect(['queued', 'in_progress']).toContain(batch.status);
    expect(batch.request_counts.total).toBe(count);
  }, 90_000);
});
