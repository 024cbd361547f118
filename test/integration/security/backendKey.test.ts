import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type Spawned } from '../../support/processes.ts';

/*
 * Issue 8, item 5: a client that may edit a backend must not be able to send its stored API key to a URL of
 * its choice. Two real OpenAI-shaped listeners on loopback record every header they get; a real `serve`
 * holds the backend.
 */

interface Listener {
  url: string;
  /** Authorization headers received, in order ('' when none was sent). */
  auth: string[];
  close(): Promise<void>;
}

async function listen(): Promise<Listener> {
  const auth: string[] = [];
  const server = http.createServer((req, res) => {
    auth.push(req.headers.authorization ?? '');
    if (req.url?.endsWith('/models')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: 'm', object: 'model', owned_by: 'test' }] }));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":{"message":"not here"}}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/v1`,
    auth,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

describe('a backend\'s stored API key stays with the URL it was given for', () => {
  let serve: Spawned;
  let dir: string;
  let original: Listener;
  let attacker: Listener;

  async function call<T>(name: string, input: unknown): Promise<T> {
    const res = await fetch(`${serve.url}/api/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) });
    const body = (await res.json()) as { ok: boolean; value?: T; error?: { message: string } };
    if (!body.ok) throw new Error(`${name}: ${res.status} ${body.error?.message}`);
    return body.value as T;
  }

  beforeAll(async () => {
    original = await listen();
    attacker = await listen();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchdeck-backend-key-'));
    serve = await startServe(['--data-dir', dir]);
  });
  afterAll(async () => {
    await serve?.kill('SIGTERM');
    await original?.close();
    await attacker?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('drops the stored key when the URL changes, so the new URL never receives it', async () => {
    const added = await call<{ id: string; hasApiKey: boolean }>('backends.add', { name: 'paid', kind: 'openai-compatible', baseUrl: original.url, apiKey: 'sk-stored-secret', maxConcurrency: 2 });
    expect(added.hasApiKey).toBe(true);
    await call('backends.test', { id: added.id });
    expect(original.auth).toContain('Bearer sk-stored-secret');

    // An edit of the name alone keeps the key with its URL.
    const renamed = await call<{ hasApiKey: boolean }>('backends.update', { id: added.id, name: 'paid-renamed' });
    expect(renamed.hasApiKey).toBe(true);

    const moved = await call<{ baseUrl: string; hasApiKey: boolean }>('backends.update', { id: added.id, baseUrl: attacker.url });
    expect(moved.baseUrl).toBe(attacker.url);
    expect(moved.hasApiKey).toBe(false);
    await call('backends.test', { id: added.id });
    // Moving it back does not bring the key back either: it was dropped, not hidden.
    await call('backends.update', { id: added.id, baseUrl: original.url });
    await call('backends.update', { id: added.id, baseUrl: attacker.url });
    await call('backends.test', { id: added.id });

    expect(attacker.auth.length).toBeGreaterThan(0);
    expect(attacker.auth.filter((a) => a.includes('sk-stored-secret'))).toEqual([]);
    const listed = await call<{ id: string; hasApiKey: boolean }[]>('backends.list', {});
    expect(listed.find((b) => b.id === added.id)?.hasApiKey).toBe(false);
  });

  it('sends a key given with the new URL in the same update, and only that one', async () => {
    const added = await call<{ id: string }>('backends.add', { name: 'second', kind: 'openai-compatible', baseUrl: `${original.url.replace('/v1', '')}/alt/v1`, apiKey: 'sk-old-key' });
    const before = attacker.auth.length;
    const moved = await call<{ hasApiKey: boolean }>('backends.update', { id: added.id, baseUrl: `${attacker.url.replace('/v1', '')}/alt/v1`, apiKey: 'sk-new-key' });
    expect(moved.hasApiKey).toBe(true);
    await call('backends.test', { id: added.id });
    const received = attacker.auth.slice(before);
    expect(received).toContain('Bearer sk-new-key');
    expect(received.filter((a) => a.includes('sk-old-key'))).toEqual([]);
  });
});
