import type { Alert } from '../../../shared/engineState.ts';
import { newId } from '../store/ids.ts';
import type { AlertSink } from './alertSink.ts';
import type { ChangeFeed } from './changeFeed.ts';

/** Active alerts, one per condition key; raising an existing key with the same message is a no-op. */
export class AlertCenter implements AlertSink {
  private readonly byKey = new Map<string, Alert>();
  private readonly feed: ChangeFeed;
  constructor(feed: ChangeFeed) {
    this.feed = feed;
  }

  raise(a: Pick<Alert, 'key' | 'severity' | 'source' | 'message'>): void {
    const existing = this.byKey.get(a.key);
    if (existing && existing.message === a.message && existing.severity === a.severity) return;
    const alert: Alert = { id: existing?.id ?? newId('alert'), key: a.key, severity: a.severity, source: a.source, message: a.message, raisedAt: existing?.raisedAt ?? Date.now() };
    this.byKey.set(a.key, alert);
    this.feed.emit('alert.raised', alert);
  }

  clear(key: string): void {
    const existing = this.byKey.get(key);
    if (!existing) return;
    this.byKey.delete(key);
    this.feed.emit('alert.cleared', { id: existing.id });
  }

  dismiss(id: string): { id: string } {
    for (const [key, a] of this.byKey) if (a.id === id) this.clear(key);
    return { id };
  }

  list(): Alert[] {
    return [...this.byKey.values()];
  }
}
