import type { Settings } from '../../shared/engineState.ts';
import type { EventName, EventPayload } from '../../shared/contract/index.ts';

/**
 * The shell's copy of the engine's settings: read once at start, then kept current by 'settings.updated'.
 * The notifier and the local API switch read from it instead of asking the engine on every event.
 */
export class SettingsMirror {
  private current: Settings;
  private readonly listeners = new Set<(next: Settings, previous: Settings) => void>();

  constructor(initial: Settings) {
    this.current = initial;
  }

  get value(): Settings {
    return this.current;
  }

  onChange(listener: (next: Settings, previous: Settings) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A change-feed listener: pass it to `feed.subscribe`. */
  readonly onEvent = <E extends EventName>(name: E, payload: EventPayload<E>): void => {
    if (name !== 'settings.updated') return;
    const previous = this.current;
    this.current = payload as EventPayload<'settings.updated'>;
    for (const listener of this.listeners) listener(this.current, previous);
  };
}
