import type { CoordinatorInfo, NodeInfo } from '../../../shared/nodes.ts';
import { defineSlice, indexById, withoutKey } from './defineSlice.ts';

export interface NodesSlice { nodes: Record<string, NodeInfo>; coordinator: CoordinatorInfo | null }

export const nodesSlice = defineSlice<NodesSlice>({
  initial: { nodes: {}, coordinator: null },
  fromSnapshot: (s) => ({ nodes: indexById(s.nodes), coordinator: s.coordinator }),
  events: {
    'node.updated': (state, node) => ({ nodes: { ...state.nodes, [node.id]: node } }),
    'node.removed': (state, { id }) => ({ nodes: withoutKey(state.nodes, id) }),
    'coordinator.updated': (_state, coordinator) => ({ coordinator }),
  },
});
