import type { AlertSink } from '../../../../src-main/core/events/alertSink.ts';

type Raised = Parameters<AlertSink['raise']>[0];

/** An AlertSink that remembers every call, and which alerts are up now. */
export class RecordingAlertSink implements AlertSink {
  readonly raised: Raised[] = [];
  readonly cleared: string[] = [];
  readonly active = new Map<string, Raised>();

  raise(alert: Raised): void {
    this.raised.push(alert);
    this.active.set(alert.key, alert);
  }

  clear(key: string): void {
    this.cleared.push(key);
    this.active.delete(key);
  }

  raisedWithKey(key: string): Raised[] {
    return this.raised.filter((alert) => alert.key === key);
  }
}
