import type { GpuHostStatus } from '../../../shared/gpu.ts';
import { defineSlice } from './defineSlice.ts';

/** GPU status per host ('local' or a node name). */
export interface GpusSlice { gpus: Record<string, GpuHostStatus> }

export const gpusSlice = defineSlice<GpusSlice>({
  initial: { gpus: {} },
  fromSnapshot: (s) => {
    const gpus: Record<string, GpuHostStatus> = {};
    for (const host of s.gpus) gpus[host.host] = host;
    return { gpus };
  },
  events: {
    'gpu.updated': (state, host) => ({ gpus: { ...state.gpus, [host.host]: host } }),
  },
});
