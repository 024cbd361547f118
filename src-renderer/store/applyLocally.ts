import type { EventName, EventPayload } from '../../shared/contract/index.ts';
import { applyEvents, useAppStore } from './appStore.ts';

/**
 * Applies an action's answer (the engine's new state of the thing changed) as if its event had arrived, so the
 * view does not wait for the push. The event that follows carries the same or newer state.
 */
export function applyLocally<E extends EventName>(name: E, payload: EventPayload<E>): void {
  useAppStore.setState((s) => applyEvents(s, [[name, payload]]));
}
