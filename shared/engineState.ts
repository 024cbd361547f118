export type AlertSeverity = 'info' | 'warning' | 'critical';

export interface Alert {
  id: string;
  /** Stable key of the condition, so a condition that persists is one alert, not many. */
  key: string;
  severity: AlertSeverity;
  source: 'executor' | 'backend' | 'batch' | 'gpu' | 'node' | 'coordinator';
  message: string;
  raisedAt: number;
}

export interface QueueCounts {
  queued: number;
  inProgress: number;
  paused: number;
  completed: number;
  failed: number;
  cancelled: number;
  pendingRequests: number;
  inFlightRequests: number;
}

export interface ExecutorStatus {
  state: 'running' | 'idle' | 'stalled';
  heartbeatAt: number;
  startedAt: number;
  inFlight: number;
  requestsPerSecond: number;
  tokensPerSecond: number;
}

export interface Settings {
  maxAttempts: number;
  requestTimeoutMs: number;
  defaultConcurrency: number;
  gpuPollIntervalMs: number;
  notifications: boolean;
  httpApiEnabled: boolean;
  httpApiPort: number;
  /** Most unfinished batches (validating, waiting or running) at once; 0 = unlimited. Over it, creation is refused (429). */
  maxQueuedBatches: number;
  /** Most requests of unfinished batches not yet finished; 0 = unlimited. Over it, creation is refused (429). */
  maxQueuedRequests: number;
  /** Restart what should run on the cluster (rpc-server, the coordinator) by itself after a fault. */
  autoRecovery: boolean;
}

export const DEFAULT_SETTINGS: Settings = {
  maxAttempts: 5,
  requestTimeoutMs: 600_000,
  defaultConcurrency: 8,
  gpuPollIntervalMs: 2_000,
  notifications: true,
  httpApiEnabled: false,
  httpApiPort: 4080,
  maxQueuedBatches: 0,
  maxQueuedRequests: 0,
  autoRecovery: true,
};
