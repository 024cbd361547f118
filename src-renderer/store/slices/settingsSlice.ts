import type { Settings } from '../../../shared/engineState.ts';
import { defineSlice } from './defineSlice.ts';

export interface SettingsSlice { settings: Settings | null }

export const settingsSlice = defineSlice<SettingsSlice>({
  initial: { settings: null },
  fromSnapshot: (s) => ({ settings: s.settings }),
  events: {
    'settings.updated': (_state, settings) => ({ settings }),
  },
});
