import { event } from './define.ts';
import type { BatchLogEntry, BatchSummary } from '../batch.ts';
import type { BackendInfo } from '../backend.ts';
import type { Alert, ExecutorStatus, QueueCounts, Settings } from '../engineState.ts';
import type { GpuHostStatus } from '../gpu.ts';
import type { UploadProgress } from '../upload.ts';
import type { CoordinatorInfo, NodeInfo } from '../nodes.ts';
import type { ReplicaInfo } from '../replicas.ts';
import type { OperatorAllowListInfo } from '../operator.ts';

/** Every event the engine pushes, by name. Progress is coalesced to a few per second per batch. */
export const events = {
  'executor.heartbeat': event<{ executor: ExecutorStatus; queue: QueueCounts }>(),
  'batch.updated': event<BatchSummary>(),
  'batch.removed': event<{ id: string }>(),
  'batch.log': event<BatchLogEntry>(),
  'upload.progress': event<UploadProgress>(),
  'backend.updated': event<BackendInfo>(),
  'backend.removed': event<{ id: string }>(),
  'alert.raised': event<Alert>(),
  'alert.cleared': event<{ id: string }>(),
  'settings.updated': event<Settings>(),
  'gpu.updated': event<GpuHostStatus>(),
  'node.updated': event<NodeInfo>(),
  'node.removed': event<{ id: string }>(),
  'coordinator.updated': event<CoordinatorInfo>(),
  'replica.updated': event<ReplicaInfo>(),
  'operator.updated': event<OperatorAllowListInfo>(),
} as const;
