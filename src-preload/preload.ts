import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { Api } from '../shared/contract/index.ts';
import type { DesktopFileBridge } from '../shared/upload.ts';
import { createBridge, createFileBridge, toCloneableError } from './bridge.ts';

/*
 * The preload of the sandboxed window: it exposes `window.batchdeck` (the contract's Api, and importFile for dropped files) and nothing else.
 * ipcRenderer itself never reaches the page; only the functions below cross the context bridge.
 */
const bridge = createBridge(ipcRenderer);

const files = createFileBridge(bridge, webUtils);

const exposed: Api & DesktopFileBridge = {
  // Rejections cross as plain objects (see toCloneableError): an Error would lose its code and issues.
  invoke: (name, input) => bridge.invoke(name, input).catch((err: unknown) => Promise.reject(toCloneableError(err))),
  on: (name, handler) => bridge.on(name, handler),
  // Only the path crosses to the main process; the page's File stays in the page.
  importFile: (file, uploadKey) => files.importFile(file, uploadKey).catch((err: unknown) => Promise.reject(toCloneableError(err))),
};

contextBridge.exposeInMainWorld('batchdeck', exposed);
