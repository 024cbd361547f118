import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src-main/core/engine.ts';
import { startHttpServer, type RunningHttpServer } from '../../src-main/server/httpServer.ts';

/** A raw request, so tests can send the headers a browser or an attacker would. */
function raw(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

function wsOpens(url: string, headers: Record<string, string> = {}): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(true);
    });
    ws.on('error', () => resolve(false));
    ws.on('unexpected-response', () => resolve(false));
  });
}

describe('HTTP API boundaries', () => {
  let engine: Engine;
  let server: RunningHttpServer;
  let secured: RunningHttpServer;

  beforeAll(async () => {
    engine = await createEngine({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'bd-http-')), gpu: { enabled: false }, nodes: { enabled: false } });
    server = await startHttpServer(engine, { host: '127.0.0.1', port: 0 });
    secured = await startHttpServer(engine, { host: '127.0.0.1', port: 0, token: 'tok-123' });
  });
  afterAll(async () => {
    await server?.close();
    await secured?.close();
    await engine?.close();
  });

  it('refuses to listen on a non-loopback address without a token', async () => {
    await expect(startHttpServer(engine, { host: '0.0.0.0', port: 0 })).rejects.toThrow(/without a token/);
  });

  it('answers 401 without the bearer token and serves with it', async () => {
    const no = await raw(`${secured.url}/v1/batches`);
    expect(no.status).toBe(401);
    expect(JSON.parse(no.body).error).toMatchObject({ type: 'authentication_error' });
    const yes = await raw(`${secured.url}/v1/batches`, { headers: { authorization: 'Bearer tok-123' } });
    expect(yes.status).toBe(200);
    expect(JSON.parse(yes.body)).toMatchObject({ object: 'list', data: [] });
  });

  it('refuses a Host header that is not its address (DNS rebinding)', async () => {
    const r = await raw(`${server.url}/health`, { headers: { host: `attacker.example:${server.port}` } });
    expect(r.status).toBe(403);
  });

  it('refuses state changes and WebSocket upgrades from a foreign web page', async () => {
    const r = await raw(`${server.url}/api/settings.update`, { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/json' }, body: '{"maxAttempts":1}' });
    expect(r.status).toBe(403);
    expect(engine.router).toBeDefined();
    expect((await raw(`${server.url}/api/settings.get`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).body).toContain('"maxAttempts":5');
    const wsUrl = server.url.replace('http', 'ws') + '/ws';
    expect(await wsOpens(wsUrl, { origin: 'https://evil.example' })).toBe(false);
    expect(await wsOpens(wsUrl, { origin: server.url })).toBe(true);
    expect(await wsOpens(secured.url.replace('http', 'ws') + '/ws')).toBe(false);
    expect(await wsOpens(secured.url.replace('http', 'ws') + '/ws?token=tok-123')).toBe(true);
  });

  it('answers malformed requests with 4xx and an error body, and keeps serving', async () => {
    const cases: [string, Parameters<typeof raw>[1], number][] = [
      ['/v1/batches', { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'not json' }, 400],
      ['/v1/batches', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[]' }, 400],
      ['/v1/batches', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"input_file_id":"f","endpoint":"/v1/chat/completions","completion_window":"forever"}' }, 400],
      ['/v1/batches', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' }, 400],
      ['/v1/batches?limit=0', {}, 400],
      ['/v1/batches?after=batch_missing', {}, 400],
      ['/v1/batches/batch_missing', {}, 404],
      ['/v1/batches/batch_missing/cancel', { method: 'POST' }, 404],
      ['/v1/files', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, 400],
      ['/v1/files', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: '--x\r\nbroken' }, 400],
      ['/v1/files/file-missing/content', {}, 404],
      ['/v1/nothing', {}, 404],
      ['/api/batches.get', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":5}' }, 400],
      ['/api/no.such', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, 400],
      ['/api/batches.get', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"batch_missing"}' }, 404],
    ];
    for (const [p, opts, status] of cases) {
      const r = await raw(server.url + p, opts);
      expect({ p, status: r.status }).toEqual({ p, status });
      const body = JSON.parse(r.body);
      expect(body.error ?? body).toBeTruthy();
      if (p.startsWith('/v1')) expect(body.error).toMatchObject({ message: expect.any(String), type: expect.any(String) });
      else expect(body).toMatchObject({ ok: false, error: { code: expect.any(String), message: expect.any(String) } });
    }
    expect((await raw(`${server.url}/health`)).status).toBe(200);
  });

  it('reports executor heartbeat, queue counts and GPUs at /health', async () => {
    const h = JSON.parse((await raw(`${server.url}/health`)).body);
    expect(h).toMatchObject({ status: 'ok', executor: { state: 'idle', heartbeatAgeMs: expect.any(Number) }, queue: { queued: 0 }, gpus: [] });
  });
});
