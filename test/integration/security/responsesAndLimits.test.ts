import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatLines } from '../../support/batchApi.ts';
import { rawHttp, type RawResponse } from './rawHttp.ts';
import { engineState, multipartUpload, startServeTarget, type ServeTarget } from './serveTarget.ts';

const TOKEN = 'limits-token-3b70';
const MB = 1024 * 1024;

function expectOpenAiError(r: RawResponse, status: number): void {
  expect(r.status).toBe(status);
  expect(r.json()).toEqual({ error: { message: expect.any(String), type: expect.any(String), param: expect.toSatisfy((p) => p === null || typeof p === 'string'), code: expect.toSatisfy((c) => c === null || typeof c === 'string') } });
}

function expectFramingRefused(r: RawResponse): void {
  expect(r.headers['x-frame-options']).toBe('DENY');
  expect(r.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
  expect(r.headers['x-content-type-options']).toBe('nosniff');
}

describe('what the token server answers: framing headers, body limits, error shape, file names', () => {
  let t: ServeTarget;

  beforeAll(async () => {
    t = await startServeTarget({ token: TOKEN });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('forbids framing on every response: the window, the API, refusals and errors', async () => {
    const answers = [
      await rawHttp(t.port, { method: 'GET', target: '/', host: t.host }),
      await t.legit('GET', '/v1/batches'),
      await rawHttp(t.port, { method: 'GET', target: '/v1/batches', host: t.host }),
      await rawHttp(t.port, { method: 'GET', target: '/v1/batches', host: 'evil.example' }),
      await rawHttp(t.port, { method: 'GET', target: '/nowhere', host: t.host }),
      await rawHttp(t.port, { method: 'GET', target: '/%zz', host: t.host }),
      await t.legit('POST', '/v1/batches', { json: { input_file_id: 5 } }),
    ];
    for (const r of answers) expectFramingRefused(r);
    expect(answers[0]!.status).toBe(200);
  });

  it('answers every error in OpenAI\'s shape, including a malformed path and an unparsable request', async () => {
    expectOpenAiError(await rawHttp(t.port, { method: 'GET', target: '/%zz', host: t.host }), 400);
    expectOpenAiError(await rawHttp(t.port, { method: 'GET', target: '/nowhere', host: t.host }), 404);
    expectOpenAiError(await rawHttp(t.port, { method: 'GET', target: '/v1/batches', host: t.host }), 401);
    expectOpenAiError(await t.legit('POST', '/v1/batches', { json: [] }), 400);
    const garbage = await rawHttp(t.port, Buffer.from('GET /health HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n'));
    expectOpenAiError(garbage, 400);
  });

  it('refuses a JSON body over the limit with 413 in OpenAI\'s shape, changes nothing, and keeps answering', async () => {
    const before = await engineState(t);
    // The client announces 9 MB and sends the first 64 KB: the answer must come from the announcement,
    // before the server has buffered the body (a client still writing would race the closing connection).
    const start = JSON.stringify({ maxAttempts: 1, padding: 'x'.repeat(64 * 1024) });
    expectOpenAiError(await t.legit('POST', '/api/settings.update', { json: JSON.parse(start), declaredLength: 9 * MB }), 413);
    expectOpenAiError(await t.legit('POST', '/v1/batches', { json: { input_file_id: 'x'.repeat(64 * 1024) }, declaredLength: 9 * MB }), 413);
    expect(await engineState(t)).toEqual(before);
    expect((await t.legit('GET', '/health')).status).toBe(200);
    // Small contract requests still work, and a batch file bigger than the limit still goes up on the streaming upload.
    expect((await t.legit('POST', '/api/settings.get', { json: {} })).status).toBe(200);
    const lines = chatLines(60_000);
    expect(Buffer.byteLength(lines)).toBeGreaterThan(9 * MB);
    const up = await t.legit('POST', '/v1/files', { multipart: multipartUpload('big.jsonl', lines) });
    expect(up.status).toBe(200);
    expect(up.json()).toMatchObject({ object: 'file', bytes: Buffer.byteLength(lines) });
  });

  it('closes a WebSocket that sends a message over the limit (1009) and keeps serving', async () => {
    const ws = new WebSocket(`ws://${t.host}/ws`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const closed = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the server kept the WebSocket open after a message over the limit')), 30_000);
      ws.once('close', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    ws.on('error', () => undefined);
    ws.send(JSON.stringify({ type: 'request', id: 1, name: 'settings.get', input: { padding: 'x'.repeat(9 * MB) } }));
    expect(await closed).toBe(1009);
    expect((await t.legit('GET', '/health')).status).toBe(200);
  });

  it('downloads a file whose name is not Latin-1 or has control characters, with an RFC 6266 name', async () => {
    const name = 'données 数据 ✓\u0007.jsonl';
    const content = chatLines(2);
    const up = await t.legit('POST', '/v1/files', { multipart: multipartUpload(name, content) });
    expect(up.status).toBe(200);
    const { id, filename } = up.json() as { id: string; filename: string };
    expect(filename).toBe(name);
    const got = await t.legit('GET', `/v1/files/${id}/content`);
    expect(got.status).toBe(200);
    expect(got.text).toBe(content);
    const disposition = got.headers['content-disposition']!;
    // eslint-disable-next-line no-control-regex
    expect(disposition).not.toMatch(/[\u0000-\u001f\u007f-\uffff]/);
    const star = /filename\*=UTF-8''([^;]+)/.exec(disposition)?.[1];
    expect(star && decodeURIComponent(star)).toBe('données 数据 ✓_.jsonl');
    expect(disposition).toMatch(/^attachment; filename="[ -~]+"/);
  });

  it('refuses an unknown pagination cursor on files as on batches', async () => {
    expectOpenAiError(await t.legit('GET', '/v1/files?after=file-nope'), 400);
    expectOpenAiError(await t.legit('GET', '/v1/batches?after=batch-nope'), 400);
  });
});
