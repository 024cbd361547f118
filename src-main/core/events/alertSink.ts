import type { Alert } from '../../../shared/engineState.ts';

/** Where a service reports a condition the operator must see. One key is one alert while it lasts. */
export interface AlertSink {
  raise(alert: Pick<Alert, 'key' | 'severity' | 'source' | 'message'>): void;
  clear(key: string): void;
}
