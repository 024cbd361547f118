/**
 * The main process's wiring, run under plain Node with a stand-in for the 'electron' module (the Electron
 * binary cannot be had here) and a stand-in engine: what main.ts registers before and after ready, the
 * window it opens, the IPC path, notifications, the local API switch and the shutdown order.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, type ResponseEnvelope } from '../../../shared/contract/index.ts';
import { DEFAULT_SETTINGS } from '../../../shared/engineState.ts';
import { ChangeFeed } from '../../../src-main/core/events/changeFeed.ts';
import { CONTENT_SECURITY_POLICY } from '../../../src-main/app/securityPolicy.ts';
import { preventable, type FakeElectron } from './fakeElectron.ts';

const fake = vi.hoisted(() => ({ current: null as FakeElectron | null }));
const fakeState = () => fake.current!.state;

const engine = vi.hoisted(() => ({
  feed: null as ChangeFeed | null,
  dispatched: [] as { name: unknown; input: unknown }[],
  http: { started: [] as { host: string; port: number }[], closed: 0 },
  closed: 0,
  config: null as unknown,
}));

vi.mock('electron', async () => {
  fake.current = (await import('./fakeElectron.ts')).createFakeElectron();
  return { ...fake.current.electron, default: fake.current.electron };
});
vi.mock('../../../src-main/app/engineHost.ts', () => ({
  startEngine: async (config: unknown) => {
    engine.config = config;
    engine.feed = new (await import('../../../src-main/core/events/changeFeed.ts')).ChangeFeed();
    return {
      feed: engine.feed,
      router: {
        dispatch: async (name: unknown, input: unknown): Promise<ResponseEnvelope> => {
          engine.dispatched.push({ name, input });
          if (name === 'settings.get') return { ok: true, value: { ...DEFAULT_SETTINGS } };
          if (name === 'batches.list') return { ok: true, value: [] };
          return { ok: true, value: `handled ${String(name)}` };
        },
      },
      close: async () => { engine.closed++; },
      startHttp: async (options: { host: string; port: number }) => {
        engine.http.started.push(options);
        return { url: `http://${options.host}:${options.port}`, close: async () => { engine.http.closed++; } };
      },
    };
  },
}));

const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-main-test-'));
const flush = () => new Promise((r) => setTimeout(r, 10));

beforeAll(async () => {
  process.env['BATCHDECK_USER_DATA'] = userData;
  vi.spyOn(console, 'warn').mockImplementation(() => {});
  vi.spyOn(console, 'log').mockImplementation(() => {});
  await import('../../../src-main/app/main.ts');
});
afterAll(() => {
  delete process.env['BATCHDECK_USER_DATA'];
  fs.rmSync(userData, { recursive: true, force: true });
  vi.restoreAllMocks();
});

describe('main process, before ready', () => {
  it('puts user data where asked and sandboxes every renderer', () => {
    expect(fakeState().paths['userData']).toBe(userData);
    expect(fakeState().switches).toContain('enable-sandbox');
  });

  it('registers the app scheme as standard and secure, before ready', () => {
    expect(fakeState().schemes).toEqual([expect.objectContaining({ scheme: 'batchdeck', privileges: expect.objectContaining({ standard: true, secure: true }) })]);
    expect(fakeState().windows).toHaveLength(0);
  });
});

describe('main process, once ready', () => {
  beforeAll(async () => {
    fakeState().ready();
    await flush();
  });

  it('starts the engine with its data in the user-data folder and a secret box', () => {
    expect(engine.config).toMatchObject({ dataDir: path.join(userData, 'data') });
    expect((engine.config as { secrets: unknown }).secrets).toBeTruthy();
  });

  it('opens one window with the secure preferences, loading the app scheme', () => {
    expect(fakeState().windows).toHaveLength(1);
    const win = fakeState().windows[0]!;
    expect(win.options['webPreferences']).toMatchObject({
      contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false,
      preload: expect.stringMatching(/preload\.cjs$/),
    });
    expect(win.loaded).toBe('batchdeck://app/index.html');
  });

  it('denies every permission for the session', () => {
    let granted: boolean | undefined;
    fakeState().session.permissionRequest!({}, 'media', (g: boolean) => { granted = g; });
    expect(granted).toBe(false);
    expect(fakeState().session.permissionCheck!({}, 'notifications', 'batchdeck://app', {})).toBe(false);
    expect(fakeState().session.devicePermission!({})).toBe(false);
  });

  it('puts the CSP on responses and cancels remote requests', () => {
    let headers: unknown;
    fakeState().session.headersReceived!({ responseHeaders: { 'content-type': ['text/html'] } }, (r: { responseHeaders: unknown }) => { headers = r.responseHeaders; });
    expect(headers).toMatchObject({ 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
    const cancelled = (url: string) => {
      let result: boolean | undefined;
      fakeState().session.beforeRequest!({ url }, (r: { cancel: boolean }) => { result = r.cancel; });
      return result;
    };
    expect(cancelled('https://cdn.example.com/lib.js')).toBe(true);
    expect(cancelled('batchdeck://app/assets/index.js')).toBe(false);
  });

  it('refuses downloads that are not the page’s own blobs', () => {
    const attempt = (url: string) => {
      const event = preventable();
      fakeState().session.events.get('will-download')!(event, { getURL: () => url });
      return event.prevented;
    };
    expect(attempt('https://example.com/x.exe')).toBe(true);
    expect(attempt('blob:batchdeck://app/1234')).toBe(false);
  });

  it('hardens the window: navigation away and window.open are denied', () => {
    const wc = fakeState().windows[0]!.webContents;
    expect(wc.openHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    const navigate = (url: string) => {
      const event = preventable();
      wc.emit('will-navigate', event, url);
      return event.prevented;
    };
    expect(navigate('https://example.com/')).toBe(true);
    expect(navigate('file:///etc/passwd')).toBe(true);
    expect(navigate('batchdeck://app/index.html')).toBe(false);
    const attach = preventable();
    wc.emit('will-attach-webview', attach);
    expect(attach.prevented).toBe(true);
  });

  it('serves the app scheme with the CSP and refuses paths outside the renderer', async () => {
    const handler = fakeState().protocolHandlers.get('batchdeck')!;
    const outside = await handler(new Request('batchdeck://app/../../package.json'));
    expect(outside.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(outside.status).toBe(404);
    const post = await handler(new Request('batchdeck://app/index.html', { method: 'POST', body: 'x' }));
    expect(post.status).toBe(405);
  });

  it('answers the window through the router, and refuses a stranger', async () => {
    const win = fakeState().windows[0]!;
    const handle = fakeState().ipcHandlers.get(IPC_INVOKE_CHANNEL)!;
    const ok = await handle({ sender: win.webContents, senderFrame: win.webContents.mainFrame }, 'batches.get', { id: 'b1' });
    expect(ok).toEqual({ ok: true, value: 'handled batches.get' });
    const stranger = { ...win.webContents.mainFrame, url: 'https://evil.example/' };
    const refused = (await handle({ sender: win.webContents, senderFrame: stranger }, 'batches.get', { id: 'b1' })) as ResponseEnvelope;
    expect(refused.ok).toBe(false);
  });

  it('pushes feed events to the window', () => {
    engine.feed!.emit('alert.cleared', { id: 'a' });
    expect(fakeState().windows[0]!.webContents.sent).toContainEqual([IPC_EVENT_CHANNEL, 'alert.cleared', { id: 'a' }]);
  });

  it('shows a native notification when a batch completes', () => {
    const summary = {
      id: 'b9', name: 'nightly.jsonl', status: 'completed', counts: { total: 5, completed: 5, failed: 0 }, errors: [],
    };
    engine.feed!.emit('batch.updated', summary as never);
    expect(fakeState().notifications).toEqual([{ title: 'Batch completed: nightly.jsonl', body: '5 / 5 requests succeeded.' }]);
  });

  it('turns the local HTTP API on and off with the settings', async () => {
    engine.feed!.emit('settings.updated', { ...DEFAULT_SETTINGS, httpApiEnabled: true, httpApiPort: 4999 });
    await flush();
    expect(engine.http.started).toEqual([{ host: '127.0.0.1', port: 4999 }]);
    engine.feed!.emit('settings.updated', { ...DEFAULT_SETTINGS, httpApiEnabled: false });
    await flush();
    expect(engine.http.closed).toBe(1);
  });

  it('saves the window state when the window closes', () => {
    fakeState().windows[0]!.emit('close');
    expect(JSON.parse(fs.readFileSync(path.join(userData, 'window-state.json'), 'utf8'))).toEqual({ x: 10, y: 20, width: 1200, height: 800, maximized: false });
  });

  it('closes the HTTP API and the engine before quitting', async () => {
    engine.feed!.emit('settings.updated', { ...DEFAULT_SETTINGS, httpApiEnabled: true, httpApiPort: 4999 });
    await flush();
    fake.current!.electron.app.quit();
    await flush();
    expect(engine.http.closed).toBe(2);
    expect(engine.closed).toBe(1);
    // The first quit was held for the shutdown; the second, after it, went through.
    expect(fakeState().quitCalls).toBe(2);
  });
});
