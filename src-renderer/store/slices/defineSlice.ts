import type { EventName, EventPayload, Snapshot } from '../../../shared/contract/index.ts';

/** How one slice reacts to one pushed event: a pure function of its current state and the payload. */
export type SliceEventReducers<S> = {
  [E in EventName]?: (state: S, payload: EventPayload<E>) => Partial<S>;
};

/**
 * One slice of the app store. The store holds no logic of its own: a slice says what it looks like at
 * start, what it takes from the snapshot, and how each event changes it.
 */
export interface SliceDef<S> {
  initial: S;
  fromSnapshot: (snapshot: Snapshot) => S;
  events: SliceEventReducers<S>;
}

export function defineSlice<S>(def: SliceDef<S>): SliceDef<S> {
  return def;
}

export function indexById<T extends { id: string }>(items: readonly T[]): Record<string, T> {
  const out: Record<string, T> = {};
  for (const item of items) out[item.id] = item;
  return out;
}

export function withoutKey<T>(record: Record<string, T>, key: string): Record<string, T> {
  if (!(key in record)) return record;
  const next = { ...record };
  delete next[key];
  return next;
}
