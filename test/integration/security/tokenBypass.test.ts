import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatLines } from '../../support/batchApi.ts';
import { spellingsOf } from './pathSpellings.ts';
import { rawHttp, upgradeBytes, upgradeHeaders, upgradeStatus } from './rawHttp.ts';
import { bodyHeaders, engineState, multipartUpload, startServeTarget, type EngineState, type Multipart, type ServeTarget } from './serveTarget.ts';

const TOKEN = 'attack-test-token-5f2c';

/**
 * Every route prefix of the API, each tried with GET and POST and, for POST, a body that would change
 * something if a handler ever ran: store a file, start a batch, change a setting.
 */
function routes(inputFileId: string): { path: string; post: { json?: unknown; multipart?: Multipart } }[] {
  return [
    { path: '/v1/files', post: { multipart: multipartUpload('stolen.jsonl', chatLines(1)) } },
    { path: `/v1/files/${inputFileId}/content`, post: { json: {} } },
    { path: '/v1/batches', post: { json: { input_file_id: inputFileId, endpoint: '/v1/chat/completions', completion_window: '24h' } } },
    { path: '/v1/models', post: { json: {} } },
    { path: '/api/settings.update', post: { json: { maxAttempts: 1 } } },
    { path: '/api/settings.get', post: { json: {} } },
    { path: '/health', post: { json: {} } },
  ];
}

describe('the token server cannot be used without its token, however the path is spelled', () => {
  let t: ServeTarget;
  let before: EngineState;
  let inputFileId: string;

  beforeAll(async () => {
    t = await startServeTarget({ token: TOKEN });
    const up = await t.legit('POST', '/v1/files', { multipart: multipartUpload('operator.jsonl', chatLines(2)) });
    expect(up.status).toBe(200);
    inputFileId = (up.json() as { id: string }).id;
    before = await engineState(t);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('answers every spelling of every API route with 401, 403 or 404 and an OpenAI error, and changes nothing', async () => {
    const leaks: string[] = [];
    for (const route of routes(inputFileId)) {
      for (const method of ['GET', 'POST'] as const) {
        const spellings = spellingsOf(route.path, t.port);
        await Promise.all(spellings.map(async (s) => {
          const { headers, body } = method === 'POST' ? bodyHeaders(route.post) : { headers: {}, body: undefined };
          const r = await rawHttp(t.port, { method, target: s.target, host: t.host, headers, body });
          const shaped = (() => {
            try {
              const e = (r.json() as { error?: { message?: unknown; type?: unknown } }).error;
              return typeof e?.message === 'string' && typeof e.type === 'string';
            } catch {
              return false;
            }
          })();
          if (![401, 403, 404].includes(r.status) || !shaped) leaks.push(`${method} ${s.target} (${s.label}) -> ${r.status} ${r.text.slice(0, 120)}`);
        }));
      }
    }
    expect(leaks).toEqual([]);
    expect(await engineState(t)).toEqual(before);
  });

  it('refuses the WebSocket upgrade without the token under every spelling of /ws', async () => {
    const opened: string[] = [];
    await Promise.all(spellingsOf('/ws', t.port).map(async (s) => {
      const status = await upgradeStatus(t.port, upgradeBytes(s.target, t.host, upgradeHeaders()));
      if (![401, 403, 404].includes(status)) opened.push(`${s.target} (${s.label}) -> ${status}`);
    }));
    expect(opened).toEqual([]);
    // With the token, in the header or the query, it opens; so the refusals above are the guard's doing.
    expect(await upgradeStatus(t.port, upgradeBytes('/ws', t.host, upgradeHeaders({ Authorization: `Bearer ${TOKEN}` })))).toBe(101);
    expect(await upgradeStatus(t.port, upgradeBytes(`/ws?token=${TOKEN}`, t.host, upgradeHeaders()))).toBe(101);
  });

  it('serves the operator who sends the token, with the scheme in any case', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const r = await rawHttp(t.port, { method: 'GET', target: '/v1/batches', host: t.host, headers: { Authorization: `${scheme} ${TOKEN}` } });
      expect({ scheme, status: r.status }).toEqual({ scheme, status: 200 });
    }
    const wrong = await rawHttp(t.port, { method: 'GET', target: '/v1/batches', host: t.host, headers: { Authorization: 'bearer not-the-token' } });
    expect(wrong.status).toBe(401);
  });

  it('keeps the window itself public, and nothing but the window', async () => {
    const page = await rawHttp(t.port, { method: 'GET', target: '/', host: t.host });
    expect(page.status).toBe(200);
    const unknown = await rawHttp(t.port, { method: 'GET', target: '/no/such/page', host: t.host });
    expect(unknown.status).toBe(404);
    expect(unknown.text).not.toContain('/no/such/page');
  });
});
