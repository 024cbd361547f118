import type { Alert } from '../../../shared/engineState.ts';
import { defineSlice, indexById, withoutKey } from './defineSlice.ts';

export interface AlertsSlice { alerts: Record<string, Alert> }

export const alertsSlice = defineSlice<AlertsSlice>({
  initial: { alerts: {} },
  fromSnapshot: (s) => ({ alerts: indexById(s.alerts) }),
  events: {
    'alert.raised': (state, alert) => {
      // A condition that persists is one alert: a re-raise under the same key replaces the old one.
      let alerts = state.alerts;
      for (const existing of Object.values(alerts)) {
        if (existing.key === alert.key && existing.id !== alert.id) alerts = withoutKey(alerts, existing.id);
      }
      return { alerts: { ...alerts, [alert.id]: alert } };
    },
    'alert.cleared': (state, { id }) => ({ alerts: withoutKey(state.alerts, id) }),
  },
});
