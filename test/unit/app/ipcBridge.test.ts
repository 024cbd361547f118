import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, type ResponseEnvelope } from '../../../shared/contract/index.ts';
import { ChangeFeed } from '../../../src-main/core/events/changeFeed.ts';
import {
  checkSender, installIpcBridge, TrustedWindows,
  type FrameLike, type InvokeEventLike, type IpcMainLike, type WebContentsLike,
} from '../../../src-main/app/ipcBridge.ts';

// Refusals are logged on purpose; the tests keep the output quiet.
beforeEach(() => {
  vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => {
  vi.restoreAllMocks();
});

let nextNodeId = 1;
function frame(url: string, parent: FrameLike | null = null, processId = 7): FrameLike {
  return { url, parent, frameTreeNodeId: nextNodeId++, processId, routingId: nextNodeId };
}

function contents(id: number, mainFrame: FrameLike): WebContentsLike & { sent: unknown[][]; destroyed: boolean } {
  return {
    id,
    mainFrame,
    sent: [],
    destroyed: false,
    isDestroyed() { return this.destroyed; },
    send(...args: unknown[]) { this.sent.push(args); },
  };
}

function fakeIpcMain() {
  const handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>>();
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => { handlers.set(channel, listener); },
    removeHandler: (channel) => { handlers.delete(channel); },
  };
  return { ipcMain, handlers };
}

function setup() {
  const ourMain = frame('batchdeck://app/index.html');
  const ours = contents(1, ourMain);
  const windows = new TrustedWindows();
  windows.add(ours);
  const { ipcMain, handlers } = fakeIpcMain();
  const dispatched: { name: unknown; input: unknown; args: number }[] = [];
  const router = {
    dispatch: vi.fn(async (...args: unknown[]): Promise<ResponseEnvelope> => {
      dispatched.push({ name: args[0], input: args[1], args: args.length });
      return { ok: true, value: 'done' };
    }),
  };
  const feed = new ChangeFeed();
  const uninstall = installIpcBridge({ ipcMain, router, feed, windows });
  const invoke = (event: InvokeEventLike, name: unknown, input: unknown) => handlers.get(IPC_INVOKE_CHANNEL)!(event, name, input);
  return { ours, ourMain, windows, router, dispatched, feed, handlers, invoke, uninstall };
}

describe('IPC sender check', () => {
  it("lets our window's main frame through to the router, with name and input only", async () => {
    const { ours, ourMain, invoke, dispatched } = setup();
    const res = await invoke({ sender: ours, senderFrame: ourMain }, 'batches.list', { status: 'all' });
    expect(res).toEqual({ ok: true, value: 'done' });
    // The router never sees the Electron event: exactly (name, input).
    expect(dispatched).toEqual([{ name: 'batches.list', input: { status: 'all' }, args: 2 }]);
  });

  it('refuses a subframe of our window', async () => {
    const { ours, ourMain, invoke, router } = setup();
    const sub = frame('batchdeck://app/index.html', ourMain);
    const res = (await invoke({ sender: ours, senderFrame: sub }, 'batches.list', {})) as ResponseEnvelope;
    expect(res).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(router.dispatch).not.toHaveBeenCalled();
  });

  it('refuses a frame showing a foreign origin, even in our window', async () => {
    const { ours, invoke, router } = setup();
    for (const url of ['https://evil.example/', 'file:///tmp/evil.html', 'batchdeck://other/index.html', 'http://127.0.0.1:4080/']) {
      const foreign: FrameLike = { ...ours.mainFrame, url };
      const res = (await invoke({ sender: ours, senderFrame: foreign }, 'batches.cancel', { id: 'b1' })) as ResponseEnvelope;
      expect(res).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    expect(router.dispatch).not.toHaveBeenCalled();
  });

  it('refuses a web contents the app did not create, even at our URL', async () => {
    const { invoke, router } = setup();
    const strangerFrame = frame('batchdeck://app/index.html');
    const stranger = contents(99, strangerFrame);
    const res = (await invoke({ sender: stranger, senderFrame: strangerFrame }, 'batches.list', {})) as ResponseEnvelope;
    expect(res).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(router.dispatch).not.toHaveBeenCalled();
  });

  it('refuses a frame that is gone, and a main frame that is not the current one', () => {
    const { ours, windows } = setup();
    expect(checkSender({ sender: ours, senderFrame: null }, windows)).toMatchObject({ ok: false });
    const stale = frame('batchdeck://app/index.html');
    expect(checkSender({ sender: ours, senderFrame: stale }, windows)).toMatchObject({ ok: false, reason: expect.stringContaining('main frame') });
  });

  it('refuses a window once it is destroyed', () => {
    const { ours, ourMain, windows } = setup();
    ours.destroyed = true;
    expect(checkSender({ sender: ours, senderFrame: ourMain }, windows)).toMatchObject({ ok: false });
  });
});

describe('IPC events', () => {
  it('sends every feed event to live trusted windows only', () => {
    const { ours, feed, windows } = setup();
    const closed = contents(2, frame('batchdeck://app/index.html'));
    const wandered = contents(3, frame('https://evil.example/'));
    windows.add(closed);
    windows.add(wandered);
    closed.destroyed = true;

    feed.emit('alert.cleared', { id: 'a1' });
    expect(ours.sent).toEqual([[IPC_EVENT_CHANNEL, 'alert.cleared', { id: 'a1' }]]);
    expect(closed.sent).toEqual([]);
    expect(wandered.sent).toEqual([]);
  });

  it('keeps delivering to the other windows when one send throws', () => {
    const { ours, feed, windows } = setup();
    const broken = contents(4, frame('batchdeck://app/index.html'));
    broken.send = () => { throw new Error('Render frame was disposed'); };
    windows.add(broken);
    feed.emit('batch.removed', { id: 'b' });
    expect(ours.sent).toHaveLength(1);
  });

  it('uninstalls the handler and the subscription', () => {
    const { feed, handlers, uninstall } = setup();
    expect(feed.subscriberCount).toBe(1);
    uninstall();
    expect(feed.subscriberCount).toBe(0);
    expect(handlers.has(IPC_INVOKE_CHANNEL)).toBe(false);
  });
});
