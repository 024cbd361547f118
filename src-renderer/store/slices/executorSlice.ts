import type { ExecutorStatus, QueueCounts } from '../../../shared/engineState.ts';
import { defineSlice } from './defineSlice.ts';

/** The executor and the queue arrive together on every heartbeat. */
export interface ExecutorSlice { executor: ExecutorStatus | null; queue: QueueCounts | null }

export const executorSlice = defineSlice<ExecutorSlice>({
  initial: { executor: null, queue: null },
  fromSnapshot: (s) => ({ executor: s.executor, queue: s.queue }),
  events: {
    'executor.heartbeat': (_state, { executor, queue }) => ({ executor, queue }),
  },
});
