import type { BatchSummary } from '../../../shared/batch.ts';
import { defineSlice, indexById, withoutKey } from './defineSlice.ts';

export interface BatchesSlice { batches: Record<string, BatchSummary> }

export const batchesSlice = defineSlice<BatchesSlice>({
  initial: { batches: {} },
  fromSnapshot: (s) => ({ batches: indexById(s.batches) }),
  events: {
    'batch.updated': (state, batch) => ({ batches: { ...state.batches, [batch.id]: batch } }),
    'batch.removed': (state, { id }) => ({ batches: withoutKey(state.batches, id) }),
  },
});
