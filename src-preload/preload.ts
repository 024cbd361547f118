import { contextBridge, ipcRenderer } from 'electron';
import type { Api } from '../shared/contract/index.ts';
import { createBridge, toCloneableError } from './bridge.ts';

/*
 * The preload of the sandboxed window: it exposes `window.batchdeck` (the contract's Api) and nothing else.
 * ipcRenderer itself never reaches the page; only the two functions below cross the context bridge.
 */
const bridge = createBridge(ipcRenderer);

const exposed: Api = {
  // Rejections cross as plain objects (see toCloneableError): an Error would lose its code and issues.
  invoke: (name, input) => bridge.invoke(name, input).catch((err: unknown) => Promise.reject(toCloneableError(err))),
  on: (name, handler) => bridge.on(name, handler),
};

contextBridge.exposeInMainWorld('batchdeck', exposed);
