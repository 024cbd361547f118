import { describe, expect, it } from 'vitest';
import { Router, type Handlers } from '../../src-main/core/events/router.ts';
import { ApiError } from '../../shared/contract/index.ts';

function routerWith(partial: Partial<Handlers>): Router {
  return new Router(partial as Handlers);
}

describe('router', () => {
  it('refuses an unknown request name with a typed error', async () => {
    const res = await routerWith({}).dispatch('nope.nothing', {});
    expect(res).toEqual({ ok: false, error: expect.objectContaining({ code: 'unknown_request' }) });
  });

  it('refuses a payload that does not match the schema before the handler sees it', async () => {
    let called = false;
    const router = routerWith({ 'batches.get': () => { called = true; throw new Error('unreachable'); } });
    const res = await router.dispatch('batches.get', { id: 42 });
    expect(called).toBe(false);
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.error.code).toBe('invalid_input');
      expect(res.error.issues?.[0]?.path).toBe('id');
    }
  });

  it('passes parsed input with defaults applied to the handler', async () => {
    const router = routerWith({ 'batches.list': (input) => { expect(input).toEqual({ status: 'all', limit: 500 }); return []; } });
    expect(await router.dispatch('batches.list', {})).toEqual({ ok: true, value: [] });
  });

  it('turns a handler failure into an error body instead of throwing', async () => {
    const router = routerWith({
      'batches.get': () => { throw new ApiError({ code: 'not_found', message: 'No batch batch_x' }); },
      'batches.cancel': () => { throw new Error('disk on fire'); },
    });
    expect(await router.dispatch('batches.get', { id: 'batch_x' })).toEqual({ ok: false, error: { code: 'not_found', message: 'No batch batch_x' } });
    const res = await router.dispatch('batches.cancel', { id: 'b' });
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error).toMatchObject({ code: 'internal', message: expect.stringContaining('disk on fire') });
  });
});
