import type { EventName, EventPayload } from '../../../shared/contract/index.ts';

export type FeedListener = <E extends EventName>(name: E, payload: EventPayload<E>) => void;

/** The engine's change feed: every service emits here, every transport (IPC, WebSocket) subscribes. */
export class ChangeFeed {
  private readonly listeners = new Set<FeedListener>();

  emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
    for (const listener of this.listeners) {
      try {
        listener(name, payload);
      } catch (err) {
        // A broken subscriber (a closed socket, a destroyed window) must not stop the others.
        console.error(`change feed: a subscriber failed on ${name}:`, err);
      }
    }
  }

  subscribe(listener: FeedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }
}
