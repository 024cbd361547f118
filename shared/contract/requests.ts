import { z } from 'zod';
import { request, noInput } from './define.ts';
import type { BatchEstimate, BatchLogEntry, BatchSummary, ResultRow, ThroughputPoint } from '../batch.ts';
import type { StoredUpload, UploadReport } from '../upload.ts';
import { uploadKeySchema } from './uploadKey.ts';
import { COMPLETION_WINDOW_PATTERN, ENDPOINTS } from '../batch.ts';
import type { BackendInfo, BackendTestResult } from '../backend.ts';
import { BACKEND_KINDS } from '../backend.ts';
import type { Alert, ExecutorStatus, QueueCounts, Settings } from '../engineState.ts';
import type { GpuHistory, GpuHostStatus } from '../gpu.ts';
import type { CoordinatorInfo, NodeInfo, NodeLog, NodeProbe } from '../nodes.ts';
import { nodeInputSchema, nodeUpdateSchema } from '../nodes.ts';
import type { OperatorAllowListInfo } from '../operator.ts';
import { OPERATOR_KINDS } from '../operator.ts';
import type { FitPlan } from '../plan.ts';
import { planInputSchema } from '../plan.ts';
import type { ReplicaInfo } from '../replicas.ts';
import { replicasStartSchema, replicasStopSchema } from '../replicas.ts';

export interface Snapshot {
  executor: ExecutorStatus;
  queue: QueueCounts;
  batches: BatchSummary[];
  backends: BackendInfo[];
  alerts: Alert[];
  settings: Settings;
  gpus: GpuHostStatus[];
  nodes: NodeInfo[];
  coordinator: CoordinatorInfo;
}

const batchIdSchema = z.object({ id: z.string().min(1).max(200) });

/** A stored upload: whole files never travel through the contract (POST /v1/files streams them in). */
const fileIdSchema = z.object({ fileId: z.string().min(1).max(200) });

const backendFields = {
  name: z.string().min(1).max(100),
  kind: z.enum(BACKEND_KINDS).default('openai-compatible'),
  baseUrl: z.url({ protocol: /^https?$/ }).max(2048),
  apiKey: z.string().max(4096).nullable().optional(),
  maxConcurrency: z.number().int().min(1).max(1024).optional(),
  enabled: z.boolean().default(true),
};

const page = { limit: z.number().int().min(1).max(1000).default(100), offset: z.number().int().min(0).default(0) };

/** Every request the renderer (or a script) can make, by name. */
export const requests = {
  'app.snapshot': request(noInput).returns<Snapshot>(),

  'batches.list': request(
    z.object({ status: z.enum(['active', 'completed', 'failed', 'all']).default('all'), limit: z.number().int().min(1).max(10_000).default(500) }),
  ).returns<BatchSummary[]>(),
  'batches.get': request(batchIdSchema).returns<BatchSummary>(),
  /** Validates an uploaded file once (progress as `upload.progress` events); its report is kept for submit. */
  'files.validate': request(fileIdSchema).returns<UploadReport>(),
  /** Stops its validation if running and removes an upload that was not submitted. */
  'files.discard': request(fileIdSchema).returns<{ fileId: string; removed: boolean }>(),
  /**
   * Desktop window only (the engine refuses it from HTTP and WebSocket clients): stores a copy of the file the
   * operator dropped or picked, read by the main process from its path; the content never crosses IPC.
   */
  'files.importPath': request(z.object({ path: z.string().min(1).max(4096), uploadKey: uploadKeySchema.optional() })).returns<StoredUpload>(),
  /** Creates the batch from a validated upload, without reading or validating the file again. */
  'batches.submit': request(
    fileIdSchema.extend({
      name: z.string().min(1).max(255).optional(),
      model: z.string().min(1).max(500).optional(),
      priority: z.number().int().min(-100).max(100).default(0),
      metadata: z.record(z.string(), z.string().max(512)).optional(),
      /** OpenAI's `24h`, or Batchdeck's extension: 30m, 6h, 7d (1 minute to 30 days). */
      completionWindow: z.string().regex(COMPLETION_WINDOW_PATTERN, 'completionWindow must be a number and m, h or d, such as 24h, 30m or 7d').default('24h'),
    }),
  ).returns<BatchSummary>(),
  'batches.estimate': request(
    z.object({ requestCount: z.number().int().min(0), model: z.string().max(500).nullable(), priority: z.number().int().default(0) }),
  ).returns<BatchEstimate>(),
  'batches.cancel': request(batchIdSchema).returns<BatchSummary>(),
  'batches.pause': request(batchIdSchema).returns<BatchSummary>(),
  'batches.resume': request(batchIdSchema).returns<BatchSummary>(),
  'batches.retryFailed': request(batchIdSchema).returns<BatchSummary>(),
  'batches.results': request(
    batchIdSchema.extend({ ...page, state: z.enum(['all', 'succeeded', 'failed', 'pending']).default('all') }),
  ).returns<{ total: number; rows: ResultRow[] }>(),
  'batches.log': request(batchIdSchema.extend({ limit: z.number().int().min(1).max(5000).default(500) })).returns<BatchLogEntry[]>(),
  'batches.throughput': request(batchIdSchema).returns<ThroughputPoint[]>(),
  /**
   * Desktop window only: a save dialog, then the main process streams the output or error file to disk.
   * Browsers download `GET /v1/files/{id}/content` instead.
   */
  'batches.saveResults': request(
    batchIdSchema.extend({ kind: z.enum(['output', 'error']) }),
  ).returns<{ path: string | null; lines: number }>(),
  'batches.compare': request(
    z.object({ a: z.string().min(1), b: z.string().min(1), ...page }),
  ).returns<{ total: number; rows: { customId: string; a: ResultRow | null; b: ResultRow | null }[] }>(),

  'backends.list': request(noInput).returns<BackendInfo[]>(),
  'backends.add': request(z.object(backendFields)).returns<BackendInfo>(),
  'backends.update': request(z.object({ id: z.string().min(1), ...backendFields }).partial().required({ id: true })).returns<BackendInfo>(),
  'backends.remove': request(z.object({ id: z.string().min(1) })).returns<{ id: string }>(),
  'backends.test': request(z.object({ id: z.string().min(1) })).returns<BackendTestResult>(),
  'backends.startSimulator': request(noInput).returns<BackendInfo>(),

  'settings.get': request(noInput).returns<Settings>(),
  'settings.update': request(
    z.object({
      maxAttempts: z.number().int().min(1).max(100),
      requestTimeoutMs: z.number().int().min(100).max(3_600_000),
      defaultConcurrency: z.number().int().min(1).max(1024),
      gpuPollIntervalMs: z.number().int().min(250).max(600_000),
      notifications: z.boolean(),
      httpApiEnabled: z.boolean(),
      httpApiPort: z.number().int().min(1).max(65535),
      maxQueuedBatches: z.number().int().min(0).max(1_000_000),
      maxQueuedRequests: z.number().int().min(0).max(1_000_000_000),
      autoRecovery: z.boolean(),
    }).partial(),
  ).returns<Settings>(),
  'alerts.dismiss': request(z.object({ id: z.string().min(1) })).returns<{ id: string }>(),

  'gpus.history': request(z.object({ host: z.string().max(100).optional() })).returns<GpuHistory[]>(),

  'nodes.list': request(noInput).returns<NodeInfo[]>(),
  'nodes.add': request(nodeInputSchema).returns<NodeInfo>(),
  'nodes.update': request(nodeUpdateSchema).returns<NodeInfo>(),
  'nodes.remove': request(z.object({ id: z.string().min(1) })).returns<{ id: string }>(),
  'nodes.acceptHostKey': request(z.object({ id: z.string().min(1), fingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/=]+$/) })).returns<NodeInfo>(),
  'nodes.start': request(z.object({ id: z.string().min(1) })).returns<NodeInfo>(),
  'nodes.stop': request(z.object({ id: z.string().min(1) })).returns<NodeInfo>(),
  'nodes.startAll': request(noInput).returns<NodeInfo[]>(),
  'nodes.stopAll': request(noInput).returns<NodeInfo[]>(),
  'nodes.probe': request(z.object({ id: z.string().min(1) })).returns<NodeProbe>(),
  /** The tail of rpc-server's log file on the node, read now (up to 500 lines). */
  'nodes.log': request(z.object({ id: z.string().min(1), lines: z.number().int().min(1).max(500).optional() })).returns<NodeLog>(),

  /** The cluster's event log: what failed on the nodes or the coordinator, and what automatic recovery did. */
  'cluster.log': request(z.object({ limit: z.number().int().min(1).max(5000).default(500) })).returns<BatchLogEntry[]>(),
  'coordinator.status': request(noInput).returns<CoordinatorInfo>(),
  'coordinator.start': request(
    z.object({
      model: z.string().min(1).max(1024).regex(/^(?:~\/|\/)[A-Za-z0-9._+/-]*$/, 'model must be an absolute path to a GGUF file'),
      llamaServerPath: z.string().max(1024).regex(/^(?:~\/|\/)?[A-Za-z0-9._+/-]+$/).optional(),
      port: z.number().int().min(1).max(65535).optional(),
      extraArgs: z.array(z.string().max(1024)).max(100).default([]),
      nodeIds: z.array(z.string()).optional(),
      /** Start even when the fit plan says the model does not fit (the operator knows better). */
      override: z.boolean().optional(),
    }),
  ).returns<CoordinatorInfo>(),
  'coordinator.stop': request(noInput).returns<CoordinatorInfo>(),
  'coordinator.restart': request(noInput).returns<CoordinatorInfo>(),

  /** Whether a model fits the nodes, from its GGUF header and their free memory, before any load. */
  'plan.compute': request(planInputSchema).returns<FitPlan>(),

  /** Data parallel: llama-server on each chosen node (model and binary are paths on the nodes), each a backend. */
  'replicas.start': request(replicasStartSchema).returns<ReplicaInfo[]>(),
  'replicas.status': request(noInput).returns<ReplicaInfo[]>(),
  'replicas.stop': request(replicasStopSchema).returns<ReplicaInfo[]>(),

  /** What the machine's operator allows (llama-server programs, models folders, SSH key folders). */
  'operator.allowList': request(noInput).returns<OperatorAllowListInfo>(),
  /**
   * Desktop only: opens a native file picker and allows what the operator chooses. Answered to the app's
   * own window over IPC; every other transport gets 403, so no script can widen what it may use.
   */
  'operator.pick': request(z.object({ kind: z.enum(OPERATOR_KINDS) })).returns<OperatorAllowListInfo>(),
} as const;

/**
 * Requests that name paths on the machine or open dialogs: the Electron shell answers them for its own
 * window; the engine's router refuses them, so no HTTP or WebSocket client can make it read a path.
 */
export const DESKTOP_ONLY_REQUESTS = ['files.importPath', 'batches.saveResults', 'operator.pick'] as const;

export { ENDPOINTS };
