import type { EventName, Snapshot } from '../../shared/contract/index.ts';
import type { Transport } from '../transport/connection.ts';
import { applyEvents, engineStateFromSnapshot, storeEventNames, useAppStore } from './appStore.ts';
import { toError } from '../api/toError.ts';

/** Events are applied in one store update per frame, so a burst re-renders each view once, not once per event. */
const FLUSH_MS = 16;

/**
 * Keeps the store a live projection of the engine: one snapshot each time the transport (re)opens, then every
 * change from pushed events. Nothing here polls.
 */
export interface SyncHandle {
  stop(): void;
  /** Fetches the snapshot again, e.g. after it failed. */
  reloadSnapshot(): void;
}

export function startSync(transport: Transport): SyncHandle {
  const { api, connection } = transport;
  const store = useAppStore;
  let queue: [EventName, unknown][] = [];
  let flushTimer: ReturnType<typeof setTimeout> | null = null;
  let snapshotSeq = 0;

  const setConnection = (patch: Partial<ReturnType<typeof store.getState>['connection']>) =>
    store.setState((s) => ({ connection: { ...s.connection, ...patch } }));

  function flush(): void {
    flushTimer = null;
    if (queue.length === 0) return;
    const events = queue;
    queue = [];
    store.setState((s) => applyEvents(s, events));
  }

  const unsubscribers = storeEventNames().map((name) =>
    api.on(name, (payload) => {
      queue.push([name, payload]);
      flushTimer ??= setTimeout(flush, FLUSH_MS);
    }),
  );

  async function loadSnapshot(): Promise<void> {
    const seq = ++snapshotSeq;
    let snapshot: Snapshot;
    try {
      snapshot = await api.invoke('app.snapshot', {});
    } catch (err) {
      if (seq === snapshotSeq) setConnection({ snapshotError: toError(err) });
      return;
    }
    if (seq !== snapshotSeq) return;
    // Events that arrived before the snapshot's answer are older than it: apply them first, then replace.
    if (flushTimer) clearTimeout(flushTimer);
    flush();
    store.setState((s) => ({
      ...engineStateFromSnapshot(snapshot),
      connection: { ...s.connection, loaded: true, snapshotAt: Date.now(), snapshotError: null },
    }));
  }

  setConnection({ transport: transport.kind, status: connection.status });
  const offStatus = connection.onStatus((status, detail) => {
    setConnection({ status, detail });
    // Events sent while the socket was down are lost: each (re)connection starts from a fresh snapshot.
    if (status === 'open') void loadSnapshot();
  });
  if (connection.status === 'open') void loadSnapshot();

  return {
    stop() {
      offStatus();
      for (const off of unsubscribers) off();
      if (flushTimer) clearTimeout(flushTimer);
    },
    reloadSnapshot: () => void loadSnapshot(),
  };
}
