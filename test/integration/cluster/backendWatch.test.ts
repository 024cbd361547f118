import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../src-main/core/engine.ts';
import { chatLines, waitFor } from '../../support/batchApi.ts';
import { getFreePort } from '../../support/freePort.ts';

/**
 * A backend that keeps its connections open and stops answering (a hung llama-server) holds requests "in
 * flight": no connection error, no stall by the executor's measure. It must be reported stuck, and once its
 * connections drop, its requests go back to the queue and finish exactly once.
 */
describe('watching backends: stuck requests, removed backends', () => {
  let engine: Engine | undefined;
  let server: http.Server | undefined;
  afterEach(async () => {
    await engine?.close();
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  });

  it('is reported stuck while it hangs, and the batch finishes exactly once after its connections drop', { timeout: 60_000 }, async () => {
    let hang = true;
    server = http.createServer((req, res) => {
      if (req.url?.endsWith('/models')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'sim-model' }] }));
        return;
      }
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        if (hang) return; // accepted, never answered: what a SIGSTOPped server does
        const content = JSON.parse(body) as { messages: { content: string }[] };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
          id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: content.messages[0]!.content }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        }));
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    engine = await createEngine({
      dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'bd-stuck-')), backends: [url], concurrency: 4,
      gpu: { enabled: false }, nodes: { enabled: false }, executor: { stuckAfterMs: 1_500 },
    });
    const batch = await engine.batches.submitContent({ name: 'stuck', content: chatLines(20), priority: 0 });

    const alert = await waitFor('the stuck-backend alert', () => engine!.alerts.list().find((a) => a.key.endsWith(':stuck')), 20_000, 50);
    expect(alert.message).toMatch(/holds 4 request\(s\) in flight and none has finished in over 2 s: it may hang/);
    expect(engine.batches.summary(batch.id).counts.completed).toBe(0);

    // The hung server's connections drop (as when Batchdeck kills a hung llama-server): the requests go back.
    hang = false;
    server.closeAllConnections();
    const done = await waitFor('the batch to complete', () => {
      const s = engine!.batches.summary(batch.id);
      return s.status === 'completed' ? s : null;
    }, 30_000, 50);
    expect(done.counts).toEqual({ total: 20, completed: 20, failed: 0 });
    await waitFor('the stuck alert to clear', () => !engine!.alerts.list().some((a) => a.key.endsWith(':stuck')), 10_000, 50);
  });

  it('drops a backend\'s "down" alert when the backend is removed', { timeout: 30_000 }, async () => {
    // Nothing listens there: the backend reads down at once.
    const url = `http://127.0.0.1:${await getFreePort()}/v1`;
    engine = await createEngine({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'bd-down-')), backends: [url], gpu: { enabled: false }, nodes: { enabled: false } });
    const backend = engine.registry.list()[0]!;
    await waitFor('the down alert', () => engine!.alerts.list().find((a) => a.key === `backend:${backend.id}:down`), 10_000, 50);
    await engine.router.dispatch('backends.remove', { id: backend.id });
    expect(engine.alerts.list().some((a) => a.key.startsWith(`backend:${backend.id}`))).toBe(false);
  });
});
