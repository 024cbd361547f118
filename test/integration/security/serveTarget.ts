import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServe, type Spawned } from '../../support/processes.ts';
import { rawHttp, type RawResponse } from './rawHttp.ts';

/** A real `batchdeck serve` process on loopback with its own data dir, and the operator's own client for it. */
export interface ServeTarget {
  port: number;
  /** The Host header a legitimate client sends. */
  host: string;
  token: string | undefined;
  /** A request as the operator's own script makes it (right Host, token if any). */
  legit(method: string, target: string, opts?: { json?: unknown; multipart?: Multipart; headers?: Record<string, string>; declaredLength?: number }): Promise<RawResponse>;
  stop(): Promise<void>;
}

export interface Multipart {
  body: Buffer;
  contentType: string;
}

/** multipart/form-data with a `purpose` field and one `file` part; the file name goes out as raw UTF-8, as browsers and undici send it. */
export function multipartUpload(filename: string, content: string, purpose = 'batch'): Multipart {
  const boundary = 'bd-attack-boundary';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\n${purpose}\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="`),
    Buffer.from(filename, 'utf8'),
    Buffer.from(`"\r\nContent-Type: application/jsonl\r\n\r\n${content}\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

export function bodyHeaders(opts: { json?: unknown; multipart?: Multipart }): { headers: Record<string, string>; body?: Buffer } {
  if (opts.multipart) return { headers: { 'Content-Type': opts.multipart.contentType }, body: opts.multipart.body };
  if (opts.json !== undefined) return { headers: { 'Content-Type': 'application/json' }, body: Buffer.from(JSON.stringify(opts.json)) };
  return { headers: {} };
}

export async function startServeTarget(opts: { token?: string; args?: string[] } = {}): Promise<ServeTarget> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-security-'));
  const env: NodeJS.ProcessEnv = { BATCHDECK_TOKEN: opts.token ?? '' };
  let serve: Spawned;
  try {
    serve = await startServe(['--host', '127.0.0.1', '--data-dir', path.join(dir, 'data'), ...(opts.args ?? [])], env);
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const port = Number(new URL(serve.url).port);
  const host = `127.0.0.1:${port}`;
  return {
    port,
    host,
    token: opts.token,
    legit: (method, target, o = {}) => {
      const { headers, body } = bodyHeaders(o);
      return rawHttp(port, { method, target, host, headers: { ...headers, ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}), ...o.headers }, body, declaredLength: o.declaredLength });
    },
    async stop() {
      const late = new Promise<'late'>((r) => setTimeout(() => r('late'), 10_000).unref());
      if ((await Promise.race([serve.kill('SIGTERM'), late])) === 'late') await serve.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What an attack must leave unchanged, read with the operator's own client. */
export interface EngineState {
  settings: unknown;
  files: string[];
  batches: string[];
}

export async function engineState(t: ServeTarget): Promise<EngineState> {
  const settings = (await t.legit('POST', '/api/settings.get', { json: {} })).json() as { ok: boolean; value?: unknown };
  const files = (await t.legit('GET', '/v1/files')).json() as { data: { id: string }[] };
  const batches = (await t.legit('GET', '/v1/batches')).json() as { data: { id: string }[] };
  if (!settings.ok) throw new Error(`settings.get failed for the operator: ${JSON.stringify(settings)}`);
  return { settings: settings.value, files: files.data.map((f) => f.id), batches: batches.data.map((b) => b.id) };
}
