import type { OperatorAllowListInfo, OperatorKind } from '../../shared/operator.ts';
import type { DesktopHandlers } from './ipcBridge.ts';

/** What the picker needs of the engine: the operator's allow-list, which only the shell may widen. */
export interface OperatorAllow {
  allow(kind: OperatorKind, chosen: string): OperatorAllowListInfo;
  info(): OperatorAllowListInfo;
}

/** Electron's open dialog, reduced to what is asked of it; null when the operator cancels. */
export type AskOpenPath = (o: { title: string; folder: boolean }) => Promise<string | null>;

const TITLES: Record<OperatorKind, { title: string; folder: boolean }> = {
  llamaServer: { title: 'Choose the llama-server program Batchdeck may run', folder: false },
  modelsDir: { title: 'Choose a folder whose GGUF models Batchdeck may load', folder: true },
  sshKeysDir: { title: 'Choose a folder whose SSH key files nodes may use', folder: true },
};

/**
 * `operator.pick`: the window is on this machine, so a path the operator chooses in a native dialog is the
 * operator's allowing it. Only the app's own window reaches this (IPC); the engine's router refuses the
 * request to HTTP and WebSocket clients, so no script can widen what it may run or read.
 */
export function createOperatorHandlers(deps: { operator: OperatorAllow; askOpenPath: AskOpenPath }): DesktopHandlers {
  return {
    'operator.pick': async ({ kind }) => {
      const chosen = await deps.askOpenPath(TITLES[kind]);
      return chosen === null ? deps.operator.info() : deps.operator.allow(kind, chosen);
    },
  };
}
