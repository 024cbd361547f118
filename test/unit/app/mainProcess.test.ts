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

type Listener = (...args: unknown[]) => unknown;

const fake = vi.hoisted(() => {
  const appEvents = new Map<string, Listener[]>();
  let readyResolve: () => void = () => {};
  const ready = new Promise<void>((r) => { readyResolve = r; });
  const paths: Record<string, string> = {};
  const state = {
    appEvents,
    readyResolve,
    paths,
    quitCalls: 0,
    exitCode: null as number | null,
    switches: [] as string[],
    schemes: [] as unknown[],
    protocolHandlers: new Map<string, (req: Request) => Promise<Response>>(),
    ipcHandlers: new Map<string, Listener>(),
    windows: [] as FakeWindow[],
    notifications: [] as { title: string; body: string }[],
    session: {
      permissionRequest: null as Listener | null,
      permissionCheck: null as Listener | null,
      devicePermission: null as Listener | null,
      headersReceived: null as Listener | null,
      beforeRequest: null as Listener | null,
      events: new Map<string, Listener>(),
    },
    menu: null as unknown,
    errorBoxes: [] as string[],
  };

  class FakeEmitter {
    readonly events = new Map<string, Listener[]>();
    on(name: string, fn: Listener) { this.events.set(name, [...(this.events.get(name) ?? []), fn]); return this; }
    once(name: string, fn: Listener) { return this.on(name, fn); }
    emit(name: string, ...args: unknown[]) { for (const fn of this.events.get(name) ?? []) fn(...args); }
  }

  let nextId = 1;
  class FakeWebContents extends FakeEmitter {
    readonly id = nextId++;
    mainFrame = { url: '', parent: null, frameTreeNodeId: 100 + this.id, processId: 5, routingId: 1 };
    sent: unknown[][] = [];
    openHandler: Listener | null = null;
    isDestroyed() { return false; }
    send(...args: unknown[]) { this.sent.push(args); }
    setWindowOpenHandler(fn: Listener) { this.openHandler = fn; }
  }

  class FakeWindow extends FakeEmitter {
    static getAllWindows() { return state.windows; }
    readonly options: Record<string, unknown>;
    readonly webContents = new FakeWebContents();
    loaded: string | null = null;
    shown = false;
    constructor(options: Record<string, unknown>) {
      super();
      this.options = options;
      state.windows.push(this);
      // Electron emits web-contents-created for every new web contents.
      for (const fn of appEvents.get('web-contents-created') ?? []) fn({}, this.webContents);
    }
    async loadURL(url: string) { this.loaded = url; this.webContents.mainFrame.url = url; }
    show() { this.shown = true; }
    maximize() {}
    isMaximized() { return false; }
    isMinimized() { return false; }
    isDestroyed() { return false; }
    restore() {}
    focus() {}
    getNormalBounds() { return { x: 10, y: 20, width: 1200, height: 800 }; }
  }

  class FakeNotification extends FakeEmitter {
    static isSupported() { return true; }
    readonly opts: { title: string; body: string };
    constructor(opts: { title: string; body: string }) { super(); this.opts = opts; }
    show() { state.notifications.push(this.opts); }
  }

  const electron = {
    app: {
      setName: () => {},
      setPath: (name: string, p: string) => { paths[name] = p; },
      getPath: (name: string) => paths[name] ?? path.join(os.tmpdir(), `bd-${name}`),
      enableSandbox: () => { state.switches.push('enable-sandbox'); },
      requestSingleInstanceLock: () => true,
      on: (name: string, fn: Listener) => { appEvents.set(name, [...(appEvents.get(name) ?? []), fn]); },
      whenReady: () => ready,
      quit: () => {
        state.quitCalls++;
        const event = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
        for (const fn of appEvents.get('before-quit') ?? []) fn(event);
      },
      exit: (code: number) => { state.exitCode = code; },
      isPackaged: false,
      getName: () => 'Batchdeck',
      getVersion: () => '0.1.0',
      setAboutPanelOptions: () => {},
      showAboutPanel: () => {},
    },
    protocol: {
      registerSchemesAsPrivileged: (s: unknown[]) => { state.schemes.push(...s); },
      handle: (scheme: string, fn: (req: Request) => Promise<Response>) => { state.protocolHandlers.set(scheme, fn); },
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (fn: Listener) => { state.session.permissionRequest = fn; },
        setPermissionCheckHandler: (fn: Listener) => { state.session.permissionCheck = fn; },
        setDevicePermissionHandler: (fn: Listener) => { state.session.devicePermission = fn; },
        webRequest: {
          onHeadersReceived: (fn: Listener) => { state.session.headersReceived = fn; },
          onBeforeRequest: (fn: Listener) => { state.session.beforeRequest = fn; },
        },
        on: (name: string, fn: Listener) => { state.session.events.set(name, fn); },
      },
    },
    ipcMain: {
      handle: (channel: string, fn: Listener) => { state.ipcHandlers.set(channel, fn); },
      removeHandler: (channel: string) => { state.ipcHandlers.delete(channel); },
    },
    BrowserWindow: FakeWindow,
    Notification: FakeNotification,
    screen: {
      getPrimaryDisplay: () => ({ id: 1, workArea: { x: 0, y: 0, width: 1920, height: 1050 } }),
      getAllDisplays: () => [{ id: 1, workArea: { x: 0, y: 0, width: 1920, height: 1050 } }],
    },
    safeStorage: {
      isEncryptionAvailable: () => true,
      encryptString: (s: string) => Buffer.from(s),
      decryptString: (b: Buffer) => b.toString(),
      getSelectedStorageBackend: () => 'gnome_libsecret',
    },
    dialog: { showErrorBox: (_title: string, message: string) => { state.errorBoxes.push(message); } },
    Menu: { buildFromTemplate: (t: unknown) => t, setApplicationMenu: (m: unknown) => { state.menu = m; } },
  };
  return { state, electron, FakeWindow };
});

const engine = vi.hoisted(() => ({
  feed: null as ChangeFeed | null,
  dispatched: [] as { name: unknown; input: unknown }[],
  http: { started: [] as { host: string; port: number }[], closed: 0 },
  closed: 0,
  config: null as unknown,
}));

vi.mock('electron', () => ({ ...fake.electron, default: fake.electron }));
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
    expect(fake.state.paths['userData']).toBe(userData);
    expect(fake.state.switches).toContain('enable-sandbox');
  });

  it('registers the app scheme as standard and secure, before ready', () => {
    expect(fake.state.schemes).toEqual([expect.objectContaining({ scheme: 'batchdeck', privileges: expect.objectContaining({ standard: true, secure: true }) })]);
    expect(fake.state.windows).toHaveLength(0);
  });
});

describe('main process, once ready', () => {
  beforeAll(async () => {
    fake.state.readyResolve();
    await flush();
  });

  it('starts the engine with its data in the user-data folder and a secret box', () => {
    expect(engine.config).toMatchObject({ dataDir: path.join(userData, 'data') });
    expect((engine.config as { secrets: unknown }).secrets).toBeTruthy();
  });

  it('opens one window with the secure preferences, loading the app scheme', () => {
    expect(fake.state.windows).toHaveLength(1);
    const win = fake.state.windows[0]!;
    expect(win.options['webPreferences']).toMatchObject({
      contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false,
      preload: expect.stringMatching(/preload\.cjs$/),
    });
    expect(win.loaded).toBe('batchdeck://app/index.html');
  });

  it('denies every permission for the session', () => {
    let granted: boolean | undefined;
    fake.state.session.permissionRequest!({}, 'media', (g: boolean) => { granted = g; });
    expect(granted).toBe(false);
    expect(fake.state.session.permissionCheck!({}, 'notifications', 'batchdeck://app', {})).toBe(false);
    expect(fake.state.session.devicePermission!({})).toBe(false);
  });

  it('puts the CSP on responses and cancels remote requests', () => {
    let headers: unknown;
    fake.state.session.headersReceived!({ responseHeaders: { 'content-type': ['text/html'] } }, (r: { responseHeaders: unknown }) => { headers = r.responseHeaders; });
    expect(headers).toMatchObject({ 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
    const cancelled = (url: string) => {
      let result: boolean | undefined;
      fake.state.session.beforeRequest!({ url }, (r: { cancel: boolean }) => { result = r.cancel; });
      return result;
    };
    expect(cancelled('https://cdn.example.com/lib.js')).toBe(true);
    expect(cancelled('batchdeck://app/assets/index.js')).toBe(false);
  });

  it('refuses downloads that are not the page’s own blobs', () => {
    const attempt = (url: string) => {
      const event = { prevented: false, preventDefault() { this.prevented = true; } };
      fake.state.session.events.get('will-download')!(event, { getURL: () => url });
      return event.prevented;
    };
    expect(attempt('https://example.com/x.exe')).toBe(true);
    expect(attempt('blob:batchdeck://app/1234')).toBe(false);
  });

  it('hardens the window: navigation away and window.open are denied', () => {
    const wc = fake.state.windows[0]!.webContents;
    expect(wc.openHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    const navigate = (url: string) => {
      const event = { prevented: false, preventDefault() { this.prevented = true; } };
      wc.emit('will-navigate', event, url);
      return event.prevented;
    };
    expect(navigate('https://example.com/')).toBe(true);
    expect(navigate('file:///etc/passwd')).toBe(true);
    expect(navigate('batchdeck://app/index.html')).toBe(false);
    const attach = { prevented: false, preventDefault() { this.prevented = true; } };
    wc.emit('will-attach-webview', attach);
    expect(attach.prevented).toBe(true);
  });

  it('serves the app scheme with the CSP and refuses paths outside the renderer', async () => {
    const handler = fake.state.protocolHandlers.get('batchdeck')!;
    const outside = await handler(new Request('batchdeck://app/../../package.json'));
    expect(outside.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(outside.status).toBe(404);
    const post = await handler(new Request('batchdeck://app/index.html', { method: 'POST', body: 'x' }));
    expect(post.status).toBe(405);
  });

  it('answers the window through the router, and refuses a stranger', async () => {
    const win = fake.state.windows[0]!;
    const handle = fake.state.ipcHandlers.get(IPC_INVOKE_CHANNEL)!;
    const ok = await handle({ sender: win.webContents, senderFrame: win.webContents.mainFrame }, 'batches.get', { id: 'b1' });
    expect(ok).toEqual({ ok: true, value: 'handled batches.get' });
    const stranger = { ...win.webContents.mainFrame, url: 'https://evil.example/' };
    const refused = (await handle({ sender: win.webContents, senderFrame: stranger }, 'batches.get', { id: 'b1' })) as ResponseEnvelope;
    expect(refused.ok).toBe(false);
  });

  it('pushes feed events to the window', () => {
    engine.feed!.emit('alert.cleared', { id: 'a' });
    expect(fake.state.windows[0]!.webContents.sent).toContainEqual([IPC_EVENT_CHANNEL, 'alert.cleared', { id: 'a' }]);
  });

  it('shows a native notification when a batch completes', () => {
    const summary = {
      id: 'b9', name: 'nightly.jsonl', status: 'completed', counts: { total: 5, completed: 5, failed: 0 }, errors: [],
    };
    engine.feed!.emit('batch.updated', summary as never);
    expect(fake.state.notifications).toEqual([{ title: 'Batch completed: nightly.jsonl', body: '5 / 5 requests succeeded.' }]);
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
    fake.state.windows[0]!.emit('close');
    expect(JSON.parse(fs.readFileSync(path.join(userData, 'window-state.json'), 'utf8'))).toEqual({ x: 10, y: 20, width: 1200, height: 800, maximized: false });
  });

  it('closes the HTTP API and the engine before quitting', async () => {
    engine.feed!.emit('settings.updated', { ...DEFAULT_SETTINGS, httpApiEnabled: true, httpApiPort: 4999 });
    await flush();
    fake.electron.app.quit();
    await flush();
    expect(engine.http.closed).toBe(2);
    expect(engine.closed).toBe(1);
    // The first quit was held for the shutdown; the second, after it, went through.
    expect(fake.state.quitCalls).toBe(2);
  });
});
