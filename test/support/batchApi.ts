import type { RequestInput, RequestName, RequestOutput } from '../../shared/contract/index.ts';
import { callApi } from '../../src-main/cli/apiClient.ts';

/** The contract over HTTP against a running `batchdeck serve`, as scripts use it. */
export function api(server: string, token?: string) {
  return <K extends RequestName>(name: K, input: RequestInput<K>): Promise<RequestOutput<K>> => callApi({ server, token }, name, input);
}

export function chatLines(n: number, opts: { model?: string; prefix?: string; extra?: (i: number) => Record<string, unknown> } = {}): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(JSON.stringify({
      custom_id: `${opts.prefix ?? 'req'}-${i}`,
      method: 'POST',
      url: '/v1/chat/completions',
      body: { model: opts.model ?? 'sim-model', messages: [{ role: 'user', content: `Question number ${i}?` }], max_tokens: 16, ...opts.extra?.(i) },
    }));
  }
  return lines.join('\n') + '\n';
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/**
 * What the window does with a dropped file, over HTTP: the file streamed to `POST /v1/files` as the raw body,
 * validated once (`files.validate`), then submitted by its id. Returns the report and, when good, the batch.
 */
export async function uploadFile(server: string, name: string, content: string | Uint8Array<ArrayBuffer>, token?: string): Promise<{ id: string; bytes: number }> {
  const res = await fetch(`${server}/v1/files?purpose=batch&filename=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: content,
  });
  if (res.status !== 200) throw new Error(`upload of ${name} failed: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; bytes: number };
}

export async function submitText(
  server: string,
  input: { name: string; content: string; model?: string; priority?: number },
  token?: string,
): Promise<RequestOutput<'batches.submit'>> {
  const call = api(server, token);
  const file = await uploadFile(server, input.name, input.content, token);
  const report = await call('files.validate', { fileId: file.id });
  if (!report.ok) throw new Error(`${input.name} is not valid: ${report.errors.slice(0, 3).map((e) => e.message).join('; ')}`);
  return call('batches.submit', { fileId: file.id, name: input.name, priority: input.priority ?? 0, ...(input.model ? { model: input.model } : {}) });
}

/** A batch's output or error file as the window's link downloads it: `GET /v1/files/{id}/content`. */
export async function downloadLines(server: string, fileId: string, token?: string): Promise<string[]> {
  const res = await fetch(`${server}/v1/files/${fileId}/content`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (res.status !== 200) throw new Error(`download of ${fileId} failed: HTTP ${res.status} ${await res.text()}`);
  return (await res.text()).split('\n').filter((l) => l.trim() !== '');
}
