import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { RequestGuard } from '../../../src-main/server/requestGuard.ts';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('request guard', () => {
  const guard = new RequestGuard({ host: '127.0.0.1', port: 4080 });

  it('accepts scripts on loopback with no Origin', () => {
    expect(guard.check(req({ host: '127.0.0.1:4080' }), { changesState: true })).toEqual({ ok: true });
    expect(guard.check(req({ host: 'localhost:4080' }), { changesState: true })).toEqual({ ok: true });
  });

  it('refuses a Host that is not the bound address (DNS rebinding)', () => {
    const v = guard.check(req({ host: 'evil.example:4080' }), { changesState: false });
    expect(v).toMatchObject({ ok: false, status: 403 });
  });

  it('refuses state changes from another origin but accepts our own page', () => {
    expect(guard.check(req({ host: '127.0.0.1:4080', origin: 'https://evil.example' }), { changesState: true })).toMatchObject({ ok: false, status: 403 });
    expect(guard.check(req({ host: '127.0.0.1:4080', origin: 'http://127.0.0.1:4080' }), { changesState: true })).toEqual({ ok: true });
    expect(guard.check(req({ host: '127.0.0.1:4080', 'sec-fetch-site': 'cross-site' }), { changesState: true })).toMatchObject({ ok: false });
  });

  it('requires the bearer token when one is set, from the header or the WebSocket query', () => {
    const g = new RequestGuard({ host: '0.0.0.0', port: 4080, token: 's3cret' });
    expect(g.check(req({ host: '10.0.0.5:4080' }), { changesState: false })).toMatchObject({ ok: false, status: 401 });
    expect(g.check(req({ host: '10.0.0.5:4080', authorization: 'Bearer wrong' }), { changesState: false })).toMatchObject({ ok: false, status: 401 });
    expect(g.check(req({ host: '10.0.0.5:4080', authorization: 'Bearer s3cret' }), { changesState: false })).toEqual({ ok: true });
    expect(g.check(req({ host: '10.0.0.5:4080' }), { changesState: true, tokenFromQuery: 's3cret' })).toEqual({ ok: true });
  });
});
