/**
 * A stand-in for the parts of the 'electron' module the main process uses, recording what the app asks of
 * it. The Electron binary cannot be had on these machines; with this the main process (its source under
 * vitest, or its built bundle under Node) runs for real apart from Chromium itself.
 */
import os from 'node:os';
import path from 'node:path';

// Stands in for dozens of Electron callback signatures; the tests call them with what Electron would pass.
type Listener = (...args: any[]) => any; // eslint-disable-line @typescript-eslint/no-explicit-any

export class FakeEmitter {
  readonly events = new Map<string, Listener[]>();
  on(name: string, fn: Listener): this {
    this.events.set(name, [...(this.events.get(name) ?? []), fn]);
    return this;
  }
  once(name: string, fn: Listener): this {
    return this.on(name, fn);
  }
  emit(name: string, ...args: unknown[]): void {
    for (const fn of this.events.get(name) ?? []) fn(...args);
  }
}

/** An event whose preventDefault is observable. */
export function preventable(): { prevented: boolean; preventDefault(): void } {
  return { prevented: false, preventDefault() { this.prevented = true; } };
}

export function createFakeElectron() {
  const appEvents = new Map<string, Listener[]>();
  let readyResolve: () => void = () => {};
  const ready = new Promise<void>((r) => { readyResolve = r; });
  const paths: Record<string, string> = {};
  let nextId = 1;

  const state = {
    appEvents,
    ready: () => readyResolve(),
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
    saveDialogs: [] as unknown[],
    savePath: null as string | null,
  };

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
    show() { state.notifications.push({ title: this.opts.title, body: this.opts.body }); }
  }

  const ses = state.session;
  const electron = {
    app: {
      setName: () => {},
      setPath: (name: string, p: string) => { paths[name] = p; },
      getPath: (name: string) => paths[name] ?? path.join(os.tmpdir(), `bd-fake-${name}`),
      enableSandbox: () => { state.switches.push('enable-sandbox'); },
      requestSingleInstanceLock: () => true,
      on: (name: string, fn: Listener) => { appEvents.set(name, [...(appEvents.get(name) ?? []), fn]); },
      whenReady: () => ready,
      quit: () => {
        state.quitCalls++;
        const event = preventable();
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
        setPermissionRequestHandler: (fn: Listener) => { ses.permissionRequest = fn; },
        setPermissionCheckHandler: (fn: Listener) => { ses.permissionCheck = fn; },
        setDevicePermissionHandler: (fn: Listener) => { ses.devicePermission = fn; },
        webRequest: {
          onHeadersReceived: (fn: Listener) => { ses.headersReceived = fn; },
          onBeforeRequest: (fn: Listener) => { ses.beforeRequest = fn; },
        },
        on: (name: string, fn: Listener) => { ses.events.set(name, fn); },
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
      encryptString: (s: string) => Buffer.from(`enc:${s}`),
      decryptString: (b: Buffer) => b.toString().replace(/^enc:/, ''),
      getSelectedStorageBackend: () => 'gnome_libsecret',
    },
    dialog: {
      showErrorBox: (_title: string, message: string) => { state.errorBoxes.push(message); },
      // Answers with the path a test put in state.savePath (null: the operator cancelled).
      showSaveDialog: async (...args: unknown[]) => {
        state.saveDialogs.push(args.at(-1));
        return state.savePath === null ? { canceled: true, filePath: '' } : { canceled: false, filePath: state.savePath };
      },
    },
    Menu: { buildFromTemplate: (t: unknown) => t, setApplicationMenu: (m: unknown) => { state.menu = m; } },
  };
  return { state, electron };
}

export type FakeElectron = ReturnType<typeof createFakeElectron>;
