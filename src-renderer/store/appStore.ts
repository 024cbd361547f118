import { create } from 'zustand';
import type { ApiError, EventName, Snapshot } from '../../shared/contract/index.ts';
import type { ConnectionStatus } from '../transport/connection.ts';
import type { SliceDef } from './slices/defineSlice.ts';
import { batchesSlice, type BatchesSlice } from './slices/batchesSlice.ts';
import { backendsSlice, type BackendsSlice } from './slices/backendsSlice.ts';
import { executorSlice, type ExecutorSlice } from './slices/executorSlice.ts';
import { alertsSlice, type AlertsSlice } from './slices/alertsSlice.ts';
import { settingsSlice, type SettingsSlice } from './slices/settingsSlice.ts';
import { gpusSlice, type GpusSlice } from './slices/gpusSlice.ts';
import { nodesSlice, type NodesSlice } from './slices/nodesSlice.ts';

/** Everything the engine told us: the snapshot, kept current by events. */
export type EngineState = BatchesSlice & BackendsSlice & ExecutorSlice & AlertsSlice & SettingsSlice & GpusSlice & NodesSlice;

export interface ConnectionState {
  status: ConnectionStatus;
  detail: string | null;
  /** True once a snapshot has been applied; views show "loading" before. */
  loaded: boolean;
  /** When the last snapshot was applied (local clock). */
  snapshotAt: number | null;
  snapshotError: ApiError | Error | null;
  transport: 'electron' | 'websocket' | null;
}

export type AppState = EngineState & { connection: ConnectionState };

const slices: SliceDef<never>[] = [];
type Reducer = (state: EngineState, payload: unknown) => Partial<EngineState>;
const reducersByEvent = new Map<EventName, Reducer[]>();

function register<S>(slice: SliceDef<S>): void {
  slices.push(slice as unknown as SliceDef<never>);
  for (const [name, reducer] of Object.entries(slice.events)) {
    const list = reducersByEvent.get(name as EventName) ?? [];
    list.push(reducer as unknown as Reducer);
    reducersByEvent.set(name as EventName, list);
  }
}
register(batchesSlice);
register(backendsSlice);
register(executorSlice);
register(alertsSlice);
register(settingsSlice);
register(gpusSlice);
register(nodesSlice);

function initialEngineState(): EngineState {
  return Object.assign({}, ...slices.map((s) => s.initial)) as EngineState;
}

export const useAppStore = create<AppState>()(() => ({
  ...initialEngineState(),
  connection: { status: 'connecting', detail: null, loaded: false, snapshotAt: null, snapshotError: null, transport: null },
}));

/** The snapshot replaces every slice at once. */
export function engineStateFromSnapshot(snapshot: Snapshot): EngineState {
  return Object.assign({}, ...slices.map((s) => s.fromSnapshot(snapshot))) as EngineState;
}

/** Applies a run of events in order; returns the same object when nothing changed. */
export function applyEvents<S extends EngineState>(state: S, events: ReadonlyArray<readonly [EventName, unknown]>): S {
  let next = state;
  for (const [name, payload] of events) {
    const reducers = reducersByEvent.get(name);
    if (!reducers) continue;
    for (const reduce of reducers) next = { ...next, ...reduce(next, payload) };
  }
  return next;
}

/** Events the store listens to (the others, like batch.log, are detail data for the views that show them). */
export const storeEventNames = (): EventName[] => [...reducersByEvent.keys()];
