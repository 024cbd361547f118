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
