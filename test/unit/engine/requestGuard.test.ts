import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { bearerToken, RequestGuard } from '../../../src-main/server/requestGuard.ts';

const req = (headers: Record<string, string>, url = '/v1/batches') => ({ url, headers });

describe('request guard', () => {
  const guard = new RequestGuard({ host: '127.0.0.1', port: 4080 });

  it('accepts scripts on loopback with no Origin', () => {
    expect(guard.check(req({ host: '127.0.0.1:4080' }), 'api')).toEqual({ ok: true });
    expect(guard.check(req({ host: 'localhost:4080' }), 'api')).toEqual({ ok: true });
    expect(guard.check(req({ host: '[::1]:4080' }), 'api')).toEqual({ ok: true });
  });

  it('refuses a Host that is not the bound address (DNS rebinding), even for the window files', () => {
    expect(guard.check(req({ host: 'evil.example:4080' }), 'api')).toMatchObject({ ok: false, status: 403 });
    expect(guard.check(req({ host: 'evil.example:4080' }, '/'), 'window-file')).toMatchObject({ ok: false, status: 403 });
    expect(guard.check(req({}), 'api')).toMatchObject({ ok: false, status: 403 });
    expect(guard.check(req({ host: 'evil.example@127.0.0.1:4080' }), 'api')).toMatchObject({ ok: false, status: 403 });
  });

  it('refuses an absolute-form target naming another host', () => {
    expect(guard.check(req({ host: '127.0.0.1:4080' }, 'http://evil.example/v1/batches'), 'api')).toMatchObject({ ok: false, status: 403 });
    expect(guard.check(req({ host: '127.0.0.1:4080' }, 'http://127.0.0.1:4080/v1/batches'), 'api')).toEqual({ ok: true });
  });

  it('refuses API requests from another origin, even on the same host with another port, but accepts our own page', () => {
    expect(guard.check(req({ host: '127.0.0.1:4080', origin: 'https://evil.example' }), 'api')).toMatchObject({ ok: false, status: 403 });
    expect(guard.check(req({ host: '127.0.0.1:4080', origin: 'http://127.0.0.1:3000' }), 'api')).toMatchObject({ ok: false, status: 403 });
    expect(guard.check(req({ host: '127.0.0.1:4080', origin: 'null' }), 'api')).toMatchObject({ ok: false, status: 403 });
    expect(guard.check(req({ host: '127.0.0.1:4080', origin: 'http://127.0.0.1:4080' }), 'api')).toEqual({ ok: true });
    expect(guard.check(req({ host: '127.0.0.1:4080', origin: 'http://localhost:4080' }), 'api')).toEqual({ ok: true });
    expect(guard.check(req({ host: '127.0.0.1:4080', 'sec-fetch-site': 'cross-site' }), 'api')).toMatchObject({ ok: false, status: 403 });
  });

  it('compares Origin with the names it answers to, never with the request\'s own Host', () => {
    const g = new RequestGuard({ host: '127.0.0.1', port: 4080, token: 's3cret', allowedHosts: ['gpu1.lan'] });
    // An attacker controls both headers; agreeing with each other proves nothing.
    expect(g.check(req({ host: 'evil.example:4080', origin: 'http://evil.example:4080', authorization: 'Bearer s3cret' }), 'api')).toMatchObject({ ok: false, status: 403 });
    expect(g.check(req({ host: 'gpu1.lan', origin: 'https://gpu1.lan', authorization: 'Bearer s3cret' }), 'api')).toEqual({ ok: true });
  });

  it('answers an unmatched route with 404 and lets the window files through without a token', () => {
    const g = new RequestGuard({ host: '127.0.0.1', port: 4080, token: 's3cret' });
    expect(g.check(req({ host: '127.0.0.1:4080' }, '/nothing'), 'no-route')).toMatchObject({ ok: false, status: 404 });
    expect(g.check(req({ host: '127.0.0.1:4080' }, '/'), 'window-file')).toEqual({ ok: true });
  });

  it('requires the bearer token when one is set, from the header (any case of the scheme) or the WebSocket query', () => {
    const g = new RequestGuard({ host: '0.0.0.0', port: 4080, token: 's3cret' });
    const host = `${os.hostname().toLowerCase()}:4080`;
    expect(g.check(req({ host }), 'api')).toMatchObject({ ok: false, status: 401 });
    expect(g.check(req({ host, authorization: 'Bearer wrong' }), 'api')).toMatchObject({ ok: false, status: 401 });
    expect(g.check(req({ host, authorization: 'Bearer s3cret' }), 'api')).toEqual({ ok: true });
    expect(g.check(req({ host, authorization: 'bearer s3cret' }), 'api')).toEqual({ ok: true });
    expect(g.check(req({ host, authorization: 'BEARER s3cret' }), 'api')).toEqual({ ok: true });
    expect(g.check(req({ host: '127.0.0.1:4080' }), 'api', { tokenFromQuery: 's3cret' })).toEqual({ ok: true });
  });

  it('on 0.0.0.0 answers to the machine\'s own addresses and refuses other names in token mode too', () => {
    const g = new RequestGuard({ host: '0.0.0.0', port: 4080, token: 's3cret' });
    const v4 = Object.values(os.networkInterfaces()).flat().find((a) => a?.family === 'IPv4' && !a.internal);
    if (v4) expect(g.check(req({ host: `${v4.address}:4080`, authorization: 'Bearer s3cret' }), 'api')).toEqual({ ok: true });
    expect(g.check(req({ host: 'rebound.evil.example:4080', authorization: 'Bearer s3cret' }), 'api')).toMatchObject({ ok: false, status: 403 });
  });

  it('reads only well-formed bearer credentials', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer\tabc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken('Bearerabc')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });
});
