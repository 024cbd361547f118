import { BrowserWindow, screen } from 'electron';
import { APP_ENTRY_URL, secureWebPreferences } from './securityPolicy.ts';
import { loadWindowState, restoreWindowState, saveWindowState, MIN_WINDOW_SIZE, type WindowState } from './windowState.ts';
import type { TrustedWindows } from './ipcBridge.ts';

export interface MainWindowOptions {
  preloadPath: string;
  userDataDir: string;
  iconPath?: string;
  devTools: boolean;
  windows: TrustedWindows;
}

/**
 * The one Batchdeck window: secure webPreferences (securityPolicy.ts), the last size and position if that
 * place is still on a display, registered as a trusted IPC sender, loading the app's own scheme.
 */
export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const workAreas = [screen.getPrimaryDisplay(), ...screen.getAllDisplays()]
    .filter((d, i, all) => all.findIndex((o) => o.id === d.id) === i)
    .map((d) => d.workArea);
  const state = restoreWindowState(loadWindowState(options.userDataDir), workAreas);

  const win = new BrowserWindow({
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
    width: state.width,
    height: state.height,
    minWidth: MIN_WINDOW_SIZE.width,
    minHeight: MIN_WINDOW_SIZE.height,
    title: 'Batchdeck',
    backgroundColor: '#11161d',
    // Shown once the first paint is ready, so the window never flashes white.
    show: false,
    ...(options.iconPath ? { icon: options.iconPath } : {}),
    // The flags after the spread repeat secureWebPreferences on purpose: electronegativity reads this call
    // site and cannot see through the spread. The values themselves are unit-tested in securityPolicy.
    webPreferences: {
      ...secureWebPreferences(options.preloadPath, { devTools: options.devTools }),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      disableBlinkFeatures: 'Auxclick',
    },
  });

  options.windows.add(win.webContents);
  const webContentsId = win.webContents.id;
  win.on('closed', () => options.windows.remove(webContentsId));

  win.once('ready-to-show', () => {
    if (state.maximized) win.maximize();
    win.show();
  });

  trackState(win, options.userDataDir);
  void win.loadURL(APP_ENTRY_URL);
  return win;
}

/** Saves the normal (un-maximized) bounds and the maximized flag, debounced, and once more on close. */
function trackState(win: BrowserWindow, userDataDir: string): void {
  let timer: NodeJS.Timeout | undefined;
  const snapshot = (): WindowState => {
    const b = win.getNormalBounds();
    return { x: b.x, y: b.y, width: b.width, height: b.height, maximized: win.isMaximized() };
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (!win.isDestroyed()) saveWindowState(userDataDir, snapshot());
    }, 500);
  };
  win.on('resize', schedule);
  win.on('move', schedule);
  win.on('maximize', schedule);
  win.on('unmaximize', schedule);
  win.on('close', () => {
    clearTimeout(timer);
    saveWindowState(userDataDir, snapshot());
  });
}
