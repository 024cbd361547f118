import type { BackendInfo } from '../../../shared/backend.ts';
import { defineSlice, indexById, withoutKey } from './defineSlice.ts';

export interface BackendsSlice { backends: Record<string, BackendInfo> }

export const backendsSlice = defineSlice<BackendsSlice>({
  initial: { backends: {} },
  fromSnapshot: (s) => ({ backends: indexById(s.backends) }),
  events: {
    'backend.updated': (state, backend) => ({ backends: { ...state.backends, [backend.id]: backend } }),
    'backend.removed': (state, { id }) => ({ backends: withoutKey(state.backends, id) }),
  },
});
