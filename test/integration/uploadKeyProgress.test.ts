/**
 * The window follows the validation of a file it is still uploading: it sends the raw body of POST /v1/files
 * with an upload key (X-Batchdeck-Upload-Key), and the `upload.progress` events it receives on its WebSocket
 * carry that key, with the first errors, before the upload's HTTP answer (the file id) arrives. The key is only
 * a correlation id: one UUID or the upload is refused, and it lets nobody past the token.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WsEventMessage } from '../../shared/contract/index.ts';
import { UPLOAD_KEY_HEADER, type UploadProgress } from '../../shared/upload.ts';
import { api, chatLines } from '../support/batchApi.ts';
import { startServe, type Spawned } from '../support/processes.ts';

const TOKEN = 'upload-key-test-token';

/** The window's WebSocket: every `upload.progress` event, in order of arrival. */
async function watchUploadEvents(url: string): Promise<{ events: UploadProgress[]; next: (match: (p: UploadProgress) => boolean) => Promise<UploadProgress>; close: () => void }> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws?token=${TOKEN}`);
  await new Promise<void>((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const events: UploadProgress[] = [];
  const waiters: { match: (p: UploadProgress) => boolean; resolve: (p: UploadProgress) => void }[] = [];
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as WsEventMessage;
    if (msg.type !== 'event' || msg.name !== 'upload.progress') return;
    const p = msg.payload as UploadProgress;
    events.push(p);
    for (const w of waiters.filter((x) => x.match(p))) { waiters.splice(waiters.indexOf(w), 1); w.resolve(p); }
  });
  return {
    events,
    next: (match) => {
      const seen = events.find(match);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ match, resolve }));
    },
    close: () => ws.close(),
  };
}

/** A raw upload as the window's XHR sends it, its body written by the test; `answer` is the HTTP response. */
function openRawUpload(url: string, name: string, totalBytes: number, headers: Record<string, string>): { req: http.ClientRequest; answer: Promise<{ status: number; body: { id?: string; error?: { message: string } } }> } {
  const req = http.request(`${url}/v1/files?purpose=batch&filename=${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'content-length': totalBytes, ...headers },
  });
  const answer = new Promise<{ status: number; body: { id?: string } }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as { id?: string } }));
    });
    req.on('error', reject);
  });
  return { req, answer };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('following the validation of an upload by its key', () => {
  let serve: Spawned;
  let dataDir: string;
  let call: ReturnType<typeof api>;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-upload-key-'));
    serve = await startServe(['--data-dir', dataDir], { BATCHDECK_TOKEN: TOKEN });
    call = api(serve.url, TOKEN);
  });
  afterAll(async () => {
    await serve?.kill();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const storedFiles = (): string[] => fs.readdirSync(path.join(dataDir, 'files')).filter((f) => !f.startsWith('.'));

  it('announces a bad line of the first MB on the WebSocket, under the upload key, before the upload is answered', async () => {
    // Line 3 is bad; ~5 MB follow it.
    const body = Buffer.from(chatLines(2, { prefix: 'head' }) + '{"custom_id": "cut off\n' + chatLines(30_000, { prefix: 'rest' }));
    expect(body.length).toBeGreaterThan(4 * 1024 * 1024);
    const key = randomUUID();
    const feed = await watchUploadEvents(serve.url);
    try {
      const upload = openRawUpload(serve.url, 'bad.jsonl', body.length, { authorization: `Bearer ${TOKEN}`, [UPLOAD_KEY_HEADER]: key });
      let answered = false;
      void upload.answer.then(() => { answered = true; });
      const announced = feed.next((p) => p.uploadKey === key && p.firstErrors.some((e) => e.line === 3));

      // Throttled: 64 KiB every 20 ms, and the last 64 KiB wait for the announcement (or 30 s, then the test fails).
      const CHUNK = 64 * 1024;
      let sent = 0;
      while (sent < body.length - CHUNK) {
        upload.req.write(body.subarray(sent, sent + CHUNK));
        sent += CHUNK;
        await pause(20);
      }
      const early = await Promise.race([announced, pause(30_000).then(() => null)]);
      const answeredBeforeAnnounced = answered;
      upload.req.end(body.subarray(sent));
      const { status, body: file } = await upload.answer;

      expect(early, 'no upload.progress event with the key and the line-3 error arrived during the upload').not.toBeNull();
      expect(answeredBeforeAnnounced).toBe(false);
      expect(status).toBe(200);
      expect(early!.fileId).toBe(file.id);
      expect(early!.firstErrors[0]).toMatchObject({ line: 3, code: 'invalid_json_line' });
      expect(early!.bytesRead).toBeLessThan(body.length);
      expect(early!.totalBytes).toBe(body.length);

      // The final report is the same as without a key, and its last event still carries the key.
      const report = await call('files.validate', { fileId: file.id! });
      expect(report).toMatchObject({ ok: false, fileId: file.id, lineCount: 30_003 });
      expect(report.errors[0]).toMatchObject({ line: 3 });
      const last = await feed.next((p) => p.uploadKey === key && p.bytesRead === body.length && p.lines === 30_003);
      expect(last.fileId).toBe(file.id);
      // Every event of this upload carries the key, and no other upload's event does.
      expect(feed.events.filter((p) => p.fileId === file.id).every((p) => p.uploadKey === key)).toBe(true);
      await call('files.discard', { fileId: file.id! });
    } finally {
      feed.close();
    }
  });

  it('refuses an upload key that is not one UUID, storing nothing', async () => {
    const before = storedFiles();
    for (const bad of ['not-a-uuid', `${randomUUID()},${randomUUID()}`, `${randomUUID()}<script>`]) {
      const content = chatLines(3);
      const upload = openRawUpload(serve.url, 'k.jsonl', Buffer.byteLength(content), { authorization: `Bearer ${TOKEN}`, [UPLOAD_KEY_HEADER]: bad });
      upload.req.end(content);
      const { status, body } = await upload.answer;
      expect(status).toBe(400);
      expect(body.error?.message).toContain('must be one UUID');
    }
    expect(storedFiles()).toEqual(before);
  });

  it('lets no upload in without the token, whatever its key', async () => {
    const before = storedFiles();
    const content = chatLines(3);
    const upload = openRawUpload(serve.url, 'nokey.jsonl', Buffer.byteLength(content), { [UPLOAD_KEY_HEADER]: randomUUID() });
    upload.req.end(content);
    expect((await upload.answer).status).toBe(401);
    expect(storedFiles()).toEqual(before);
  });
});
