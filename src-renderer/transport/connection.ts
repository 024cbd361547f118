import type { Api } from '../../shared/contract/index.ts';

/** Whether the renderer currently has a live line to the engine. */
export type ConnectionStatus = 'connecting' | 'open' | 'closed';

/**
 * What a transport tells the sync layer besides the Api itself. The WebSocket transport reconnects, and each
 * time it opens the renderer must re-fetch the snapshot (events sent while it was away are lost).
 */
export interface Connection {
  readonly status: ConnectionStatus;
  /** Called with every status change; returns an unsubscribe function. */
  onStatus(listener: (status: ConnectionStatus, detail: string | null) => void): () => void;
}

export interface Transport {
  api: Api;
  connection: Connection;
  /** Human name of the transport, shown in the status bar. */
  kind: 'electron' | 'websocket';
}

/** The Electron bridge has no reconnect: it is open for the life of the window. */
export const alwaysOpen: Connection = {
  status: 'open',
  onStatus: () => () => {},
};
