import { describe, expect, it, vi } from 'vitest';
import { ApiError, IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL } from '../../../shared/contract/index.ts';
import { createBridge, toCloneableError, type IpcRendererLike } from '../../../src-preload/bridge.ts';

function fakeIpcRenderer(reply: (name: unknown, input: unknown) => unknown = () => ({ ok: true, value: null })) {
  const listeners = new Map<string, ((event: unknown, ...args: unknown[]) => void)[]>();
  const invoked: unknown[][] = [];
  const ipc: IpcRendererLike = {
    invoke: async (channel, ...args) => {
      invoked.push([channel, ...args]);
      return reply(args[0], args[1]);
    },
    on: (channel, listener) => {
      listeners.set(channel, [...(listeners.get(channel) ?? []), listener]);
    },
  };
  const emit = (name: unknown, payload: unknown) => {
    for (const l of listeners.get(IPC_EVENT_CHANNEL) ?? []) l({ sender: 'the electron event' }, name, payload);
  };
  return { ipc, invoked, listeners, emit };
}

describe('preload bridge: invoke', () => {
  it('sends name and input on the invoke channel and returns the unwrapped value', async () => {
    const { ipc, invoked } = fakeIpcRenderer(() => ({ ok: true, value: [{ id: 'b1' }] }));
    const api = createBridge(ipc);
    await expect(api.invoke('batches.list', { status: 'active' })).resolves.toEqual([{ id: 'b1' }]);
    expect(invoked).toEqual([[IPC_INVOKE_CHANNEL, 'batches.list', { status: 'active' }]]);
  });

  it('throws an ApiError with code, message and issues for an error envelope', async () => {
    const issues = [{ path: 'id', message: 'Expected string' }];
    const { ipc } = fakeIpcRenderer(() => ({ ok: false, error: { code: 'invalid_input', message: 'Invalid input for batches.get', issues } }));
    const err = await createBridge(ipc).invoke('batches.get', { id: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ code: 'invalid_input', message: 'Invalid input for batches.get', issues });
  });

  it('passes a forbidden refusal through as such', async () => {
    const { ipc } = fakeIpcRenderer(() => ({ ok: false, error: { code: 'forbidden', message: 'Refused: the sender is a subframe.' } }));
    await expect(createBridge(ipc).invoke('app.snapshot', {})).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('refuses an unknown request name without sending anything', async () => {
    const { ipc, invoked } = fakeIpcRenderer();
    const api = createBridge(ipc);
    for (const name of ['nope', 'constructor', '__proto__', 'toString', 42, null]) {
      await expect(api.invoke(name as never, {} as never)).rejects.toMatchObject({ code: 'unknown_request' });
    }
    expect(invoked).toEqual([]);
  });

  it('treats a malformed response as an internal error, not as a value', async () => {
    for (const response of [undefined, null, 'ok', { ok: true }, { ok: false }, { value: 1 }]) {
      const { ipc } = fakeIpcRenderer(() => response);
      await expect(createBridge(ipc).invoke('settings.get', {})).rejects.toMatchObject({ code: 'internal' });
    }
  });

  it('reports a failed IPC call (uncloneable input, no handler) as unavailable', async () => {
    const ipc: IpcRendererLike = { invoke: () => Promise.reject(new Error('An object could not be cloned.')), on: () => {} };
    await expect(createBridge(ipc).invoke('settings.get', {})).rejects.toMatchObject({ code: 'unavailable', message: expect.stringContaining('could not be cloned') });
  });
});

describe('preload bridge: events', () => {
  it('listens on the event channel once, whatever the number of subscribers', () => {
    const { ipc, listeners } = fakeIpcRenderer();
    const api = createBridge(ipc);
    api.on('batch.updated', () => {});
    api.on('batch.updated', () => {});
    api.on('alert.raised', () => {});
    expect([...listeners.keys()]).toEqual([IPC_EVENT_CHANNEL]);
    expect(listeners.get(IPC_EVENT_CHANNEL)).toHaveLength(1);
  });

  it('fans an event out to its subscribers with the payload only', () => {
    const { ipc, emit } = fakeIpcRenderer();
    const api = createBridge(ipc);
    const a = vi.fn();
    const b = vi.fn();
    const other = vi.fn();
    api.on('alert.cleared', a);
    api.on('alert.cleared', b);
    api.on('batch.removed', other);
    emit('alert.cleared', { id: 'x' });
    expect(a.mock.calls).toEqual([[{ id: 'x' }]]);
    expect(b.mock.calls).toEqual([[{ id: 'x' }]]);
    expect(other).not.toHaveBeenCalled();
  });

  it('drops events whose name is not in the contract', () => {
    const { ipc, emit } = fakeIpcRenderer();
    const api = createBridge(ipc);
    const handler = vi.fn();
    api.on('batch.updated', handler);
    emit('batch.updated.evil', {});
    emit('__proto__', {});
    emit(undefined, {});
    expect(handler).not.toHaveBeenCalled();
  });

  it('refuses to subscribe to an unknown event', () => {
    const api = createBridge(fakeIpcRenderer().ipc);
    expect(() => api.on('nope' as never, () => {})).toThrow(ApiError);
  });

  it('unsubscribes', () => {
    const { ipc, emit } = fakeIpcRenderer();
    const api = createBridge(ipc);
    const handler = vi.fn();
    const off = api.on('node.removed', handler);
    emit('node.removed', { id: 'n1' });
    off();
    emit('node.removed', { id: 'n2' });
    expect(handler.mock.calls).toEqual([[{ id: 'n1' }]]);
  });

  it('keeps delivering to the other subscribers when one throws', () => {
    const { ipc, emit } = fakeIpcRenderer();
    const api = createBridge(ipc);
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const after = vi.fn();
    api.on('backend.removed', () => { throw new Error('view bug'); });
    api.on('backend.removed', after);
    emit('backend.removed', { id: 'be' });
    expect(after).toHaveBeenCalledOnce();
    error.mockRestore();
  });
});

describe('errors crossing the context bridge', () => {
  it('become plain objects that keep code, message and issues', () => {
    const body = { code: 'invalid_input' as const, message: 'bad', issues: [{ path: 'x', message: 'y' }] };
    const plain = toCloneableError(new ApiError(body));
    expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
    expect(plain).toMatchObject({ name: 'ApiError', ...body });
    expect(String(plain)).toBe('ApiError: bad');
    expect(new ApiError(plain).toBody()).toEqual(body);
  });
});
