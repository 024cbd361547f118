import { z } from 'zod';
import { request, noInput } from './define.ts';
import type { BatchEstimate, BatchLogEntry, BatchSummary, ResultRow, ThroughputPoint, ValidationReport } from '../batch.ts';
import { ENDPOINTS } from '../batch.ts';
import type { BackendInfo, BackendTestResult } from '../backend.ts';
import { BACKEND_KINDS } from '../backend.ts';
import type { Alert, ExecutorStatus, QueueCounts, Settings } from '../engineState.ts';
import type { GpuHistory, GpuHostStatus } from '../gpu.ts';
import type { CoordinatorInfo, NodeInfo, NodeProbe } from '../nodes.ts';
import { nodeInputSchema, nodeUpdateSchema } from '../nodes.ts';

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

const fileContent = z.object({
  name: z.string().min(1).max(255),
  /** The whole file as text; binary content arrives here as it was decoded and is refused by validation. */
  content: z.string().max(512 * 1024 * 1024),
});

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
  'batches.validate': request(fileContent).returns<ValidationReport>(),
  'batches.submit': request(
    fileContent.extend({
      model: z.string().min(1).max(500).optional(),
      priority: z.number().int().min(-100).max(100).default(0),
      metadata: z.record(z.string(), z.string().max(512)).optional(),
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
  'batches.download': request(
    batchIdSchema.extend({ kind: z.enum(['output', 'error']) }),
  ).returns<{ filename: string; content: string; lines: number }>(),
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

  'coordinator.status': request(noInput).returns<CoordinatorInfo>(),
  'coordinator.start': request(
    z.object({
      model: z.string().min(1).max(1024).regex(/^(?:~\/|\/)[A-Za-z0-9._+/-]*$/, 'model must be an absolute path to a GGUF file'),
      llamaServerPath: z.string().max(1024).regex(/^(?:~\/|\/)?[A-Za-z0-9._+/-]+$/).optional(),
      port: z.number().int().min(1).max(65535).optional(),
      extraArgs: z.array(z.string().max(1024)).max(100).default([]),
      nodeIds: z.array(z.string()).optional(),
    }),
  ).returns<CoordinatorInfo>(),
  'coordinator.stop': request(noInput).returns<CoordinatorInfo>(),
  'coordinator.restart': request(noInput).returns<CoordinatorInfo>(),
} as const;

export { ENDPOINTS };
