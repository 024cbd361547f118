import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatLines } from '../../support/batchApi.ts';
import { spellingsOf } from './pathSpellings.ts';
import { rawHttp, upgradeBytes, upgradeHeaders, upgradeStatus } from './rawHttp.ts';
import { bodyHeaders, engineState, multipartUpload, startServeTarget, type Multipart, type ServeTarget } from './serveTarget.ts';

const TOKEN = 'host-origin-token-91ad';
const EVIL_ORIGIN = 'https://evil.example';

const ROUTES: { method: 'GET' | 'POST'; path: string; body: { json?: unknown; multipart?: Multipart } }[] = [
  { method: 'POST', path: '/api/settings.update', body: { json: { maxAttempts: 1 } } },
  { method: 'POST', path: '/v1/files', body: { multipart: multipartUpload('planted.jsonl', chatLines(1)) } },
  { method: 'GET', path: '/v1/batches', body: {} },
  { method: 'GET', path: '/v1/files', body: {} },
  { method: 'GET', path: '/v1/models', body: {} },
  { method: 'GET', path: '/health', body: {} },
];

/**
 * A web page in the operator's browser (foreign Origin), or one that rebinds its own DNS name to this
 * machine (foreign Host), gets nothing from either server: every route, every spelling, changes nothing.
 */
async function attackWithHeaders(t: ServeTarget, forged: { host?: string; origin?: string; withToken: boolean }, allowed: number[]): Promise<string[]> {
  const leaks: string[] = [];
  for (const route of ROUTES) {
    await Promise.all(spellingsOf(route.path, t.port).map(async (s) => {
      const { headers, body } = bodyHeaders(route.body);
      const r = await rawHttp(t.port, {
        method: route.method,
        target: s.target,
        host: forged.host ?? t.host,
        headers: { ...headers, ...(forged.origin ? { Origin: forged.origin } : {}), ...(forged.withToken && t.token ? { Authorization: `Bearer ${t.token}` } : {}) },
        body,
      });
      if (!allowed.includes(r.status)) leaks.push(`${route.method} ${s.target} (${s.label}) -> ${r.status} ${r.text.slice(0, 100)}`);
    }));
  }
  return leaks;
}

for (const mode of ['tokenless loopback', 'token'] as const) {
  describe(`the ${mode} server refuses foreign Host and Origin`, () => {
    let t: ServeTarget;

    beforeAll(async () => {
      t = await startServeTarget(mode === 'token' ? { token: TOKEN } : {});
    });
    afterAll(async () => {
      await t?.stop();
    });

    it('gives a foreign Host (DNS rebinding) or a foreign page\'s Origin nothing on any route, even with the right token', async () => {
      const before = await engineState(t);
      for (const host of [`evil.example:${t.port}`, 'evil.example', `127.0.0.1.evil.example:${t.port}`, `evil.example@127.0.0.1:${t.port}`]) {
        expect(await attackWithHeaders(t, { host, withToken: true }, [403])).toEqual([]);
      }
      // Where no route matched, 404 is as good as 403: nothing ran.
      expect(await attackWithHeaders(t, { origin: EVIL_ORIGIN, withToken: true }, [403, 404])).toEqual([]);
      // The attacker's page can make Host and Origin agree; that must not help it.
      expect(await attackWithHeaders(t, { host: `evil.example:${t.port}`, origin: `http://evil.example:${t.port}`, withToken: true }, [403])).toEqual([]);
      // Another service on the same machine is another origin, too.
      expect(await attackWithHeaders(t, { origin: `http://127.0.0.1:${t.port + 1}`, withToken: true }, [403, 404])).toEqual([]);
      expect(await attackWithHeaders(t, { origin: 'null', withToken: true }, [403, 404])).toEqual([]);
      expect(await engineState(t)).toEqual(before);

      const auth: Record<string, string> = t.token ? { Authorization: `Bearer ${t.token}` } : {};
      expect(await upgradeStatus(t.port, upgradeBytes('/ws', t.host, upgradeHeaders({ ...auth, Origin: EVIL_ORIGIN })))).toBe(403);
      expect(await upgradeStatus(t.port, upgradeBytes('/ws', `evil.example:${t.port}`, upgradeHeaders({ ...auth, Origin: `http://evil.example:${t.port}` })))).toBe(403);

      // Its own page and scripts, under its loopback names, are served: the refusals above are not blanket ones.
      expect(await upgradeStatus(t.port, upgradeBytes('/ws', t.host, upgradeHeaders({ ...auth, Origin: `http://${t.host}` })))).toBe(101);
      for (const host of [t.host, `localhost:${t.port}`, `LOCALHOST:${t.port}`]) {
        const r = await rawHttp(t.port, { method: 'GET', target: '/v1/batches', host, headers: { Origin: `http://${host.toLowerCase()}`, ...auth } });
        expect({ host, status: r.status }).toEqual({ host, status: 200 });
      }
    });
  });
}

describe('names the operator allows with --allowed-host', () => {
  let t: ServeTarget;

  beforeAll(async () => {
    t = await startServeTarget({ token: TOKEN, args: ['--allowed-host', 'gpu1.lan'] });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('accepts the allowed name in Host and Origin (as behind a TLS proxy) and still refuses others', async () => {
    const ok = await rawHttp(t.port, { method: 'GET', target: '/v1/batches', host: 'gpu1.lan', headers: { Origin: 'https://gpu1.lan', Authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    const other = await rawHttp(t.port, { method: 'GET', target: '/v1/batches', host: 'gpu2.lan', headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(other.status).toBe(403);
    const noToken = await rawHttp(t.port, { method: 'GET', target: '/v1/batches', host: 'gpu1.lan' });
    expect(noToken.status).toBe(401);
  });
});
