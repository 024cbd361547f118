import fs from 'node:fs';
import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Notification, safeStorage, session } from 'electron';
import type { BatchSummary } from '../../shared/batch.ts';
import type { Settings } from '../../shared/engineState.ts';
import { registerAppScheme, serveAppScheme } from './appProtocol.ts';
import { startEngine, type HostedEngine } from './engineHost.ts';
import { createDesktopHandlers } from './desktopFiles.ts';
import { createOperatorHandlers } from './operatorPicker.ts';
import { installIpcBridge, TrustedWindows } from './ipcBridge.ts';
import { LocalApiSwitch } from './localApi.ts';
import { installAppMenu } from './menu.ts';
import { BatchNotifier, type BatchNotice } from './notifications.ts';
import { createSecretBox } from './secrets.ts';
import { hardenSession, hardenWebContents } from './sessionSecurity.ts';
import { SettingsMirror } from './settingsMirror.ts';
import { createMainWindow } from './window.ts';

/*
 * The Electron main process: app lifecycle around one engine that runs in this process, with its SQLite
 * data under the user-data folder. Everything security-relevant is in securityPolicy.ts and the modules
 * it feeds; this file only puts the parts together in the right order.
 */

const APP_NAME = 'Batchdeck';
/** Where the bundles are: dist/app (main.cjs, preload.cjs) beside dist/renderer. */
const bundleDir = __dirname;
const SHUTDOWN_TIMEOUT_MS = 10_000;

// Name and user-data folder are fixed before anything reads them (the single-instance lock lives there).
// BATCHDECK_USER_DATA lets tests and portable setups keep their data apart.
app.setName(APP_NAME);
app.setPath('userData', process.env['BATCHDECK_USER_DATA'] ? path.resolve(process.env['BATCHDECK_USER_DATA']) : path.join(app.getPath('appData'), APP_NAME));

// Before ready: the app's scheme needs its privileges, and every renderer is sandboxed, whatever a
// window's own options say.
registerAppScheme();
app.enableSandbox();

const devTools = !app.isPackaged;
const windows = new TrustedWindows();
let mainWindow: BrowserWindow | null = null;
let engine: HostedEngine | null = null;
let localApi: LocalApiSwitch | null = null;

if (!app.requestSingleInstanceLock()) {
  // Two engines on one SQLite file would fight over the executor: the second launch just hands over.
  app.quit();
} else {
  app.on('second-instance', () => focusWindow());
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
  app.on('window-all-closed', () => {
    // macOS keeps the app (and the running batches) alive in the dock; elsewhere closing the window quits.
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (engine && BrowserWindow.getAllWindows().length === 0) openWindow();
  });
  installShutdown();
  app.whenReady().then(start).catch((err: unknown) => fail(err));
}

async function start(): Promise<void> {
  hardenSession(session.defaultSession);
  serveAppScheme(path.join(bundleDir, '..', 'renderer'));
  installAppMenu({ devTools });

  engine = await startEngine({
    dataDir: path.join(app.getPath('userData'), 'data'),
    secrets: createSecretBox(safeStorage),
    gpu: { enabled: true },
    nodes: { enabled: true },
  });

  installIpcBridge({
    ipcMain, router: engine.router, feed: engine.feed, windows,
    desktop: { ...createDesktopHandlers({ files: engine.files, askSavePath }), ...createOperatorHandlers({ operator: engine.operator, askOpenPath }) },
  });

  const settings = new SettingsMirror(await call<Settings>(engine, 'settings.get', {}));
  engine.feed.subscribe(settings.onEvent);

  const notifier = new BatchNotifier({ show: showNotice, enabled: () => settings.value.notifications });
  engine.feed.subscribe(notifier.onEvent);
  // Subscribed first, seeded second: a batch finishing in between is not lost, and seed keeps newer news.
  notifier.seed(await call<BatchSummary[]>(engine, 'batches.list', { status: 'all', limit: 10_000 }));

  const hosted = engine;
  localApi = new LocalApiSwitch({
    start: (options) => hosted.startHttp(options),
    onError: (message) => {
      console.error(message);
      showNotice({ batchId: '', title: 'Local HTTP API not started', body: message });
    },
    onStarted: (url) => console.log(`local HTTP API on ${url}`),
  });
  settings.onChange((next) => void localApi?.apply(next));
  void localApi.apply(settings.value);

  openWindow();
}

function openWindow(): void {
  const icon = path.join(bundleDir, '..', '..', 'assets', 'icons', '512x512.png');
  mainWindow = createMainWindow({
    preloadPath: path.join(bundleDir, 'preload.cjs'),
    userDataDir: app.getPath('userData'),
    devTools,
    windows,
    ...(fs.existsSync(icon) ? { iconPath: icon } : {}),
  });
  mainWindow.on('closed', () => {
    mainWindow = null;
  });
}

async function askOpenPath(o: { title: string; folder: boolean }): Promise<string | null> {
  const options = { title: o.title, properties: [o.folder ? 'openDirectory' as const : 'openFile' as const, 'showHiddenFiles' as const] };
  const r = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
  return r.canceled || !r.filePaths[0] ? null : r.filePaths[0];
}

async function askSavePath(suggestedName: string): Promise<string | null> {
  const options = { defaultPath: path.join(app.getPath('downloads'), suggestedName), filters: [{ name: 'JSON Lines', extensions: ['jsonl'] }] };
  const r = mainWindow ? await dialog.showSaveDialog(mainWindow, options) : await dialog.showSaveDialog(options);
  return r.canceled || !r.filePath ? null : r.filePath;
}

function focusWindow(): void {
  if (!mainWindow) return;
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
}

function showNotice(notice: BatchNotice): void {
  if (!Notification.isSupported()) return;
  const n = new Notification({ title: notice.title, body: notice.body });
  n.on('click', () => focusWindow());
  n.show();
}

/** A request through the same router the window uses; a failure at start is fatal and says why. */
async function call<T>(host: HostedEngine, name: string, input: unknown): Promise<T> {
  const res = await host.router.dispatch(name, input);
  if (!res.ok) throw new Error(`${name}: ${res.error.message}`);
  return res.value as T;
}

/** Quit waits for the HTTP API and the engine to close (SQLite checkpoint, in-flight requests), bounded. */
function installShutdown(): void {
  let state: 'running' | 'closing' | 'closed' = 'running';
  app.on('before-quit', (event) => {
    if (state === 'closed') return;
    event.preventDefault();
    if (state === 'closing') return;
    state = 'closing';
    const closing = (async () => {
      await localApi?.close();
      await engine?.close();
    })();
    const timeout = new Promise<void>((resolve) => setTimeout(() => {
      console.error(`shutdown took longer than ${SHUTDOWN_TIMEOUT_MS} ms; quitting anyway`);
      resolve();
    }, SHUTDOWN_TIMEOUT_MS).unref());
    Promise.race([closing, timeout])
      .catch((err: unknown) => console.error('shutdown failed:', err))
      .finally(() => {
        state = 'closed';
        app.quit();
      });
  });
}

function fail(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  console.error('Batchdeck could not start:', err);
  dialog.showErrorBox('Batchdeck could not start', message);
  app.exit(1);
}
