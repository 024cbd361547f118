import type { GpuHistory, GpuHostStatus, GpuSnapshot } from '../../../shared/gpu.ts';
import type { AlertSink } from '../events/alertSink.ts';
import type { CommandRunner } from './commandRunner.ts';
import { GpuAlerts, type GpuAlertOptions } from './gpuAlerts.ts';
import { GpuHistoryStore } from './gpuHistory.ts';
import { DEFAULT_POLL_INTERVAL_MS, GpuPoller, type GpuPollerOptions } from './gpuPoller.ts';

export interface GpuMonitorOptions {
  /** 'local' for this machine, else the node's name. */
  host: string;
  /** localCommandRunner for this machine; a runner over the node's SSH session for a node. */
  runner: CommandRunner;
  alerts: AlertSink;
  intervalMs?: number;
  onStatus?: (status: GpuHostStatus) => void;
  /** Poller tuning; tests use it to shorten waits or to drive time. */
  poller?: Pick<GpuPollerOptions, 'noGpuRecheckMs' | 'maxBackoffMs' | 'timeoutMs' | 'command' | 'now' | 'timers'>;
  thresholds?: Omit<GpuAlertOptions, 'host' | 'sink'>;
}

/** The GPUs of one host: polls nvidia-smi, keeps the last hour for charts, and raises alerts. */
export class GpuMonitor {
  readonly host: string;
  private readonly poller: GpuPoller;
  private readonly store: GpuHistoryStore;
  private readonly alerts: GpuAlerts;
  private readonly onStatus: ((status: GpuHostStatus) => void) | undefined;
  private lastSnapshot: GpuSnapshot | null = null;

  constructor(options: GpuMonitorOptions) {
    const intervalMs = options.intervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.host = options.host;
    this.onStatus = options.onStatus;
    this.store = new GpuHistoryStore({ intervalMs });
    this.alerts = new GpuAlerts({ ...options.thresholds, host: options.host, sink: options.alerts });
    this.poller = new GpuPoller({
      ...options.poller,
      host: options.host,
      runner: options.runner,
      intervalMs,
      onStatus: (status) => this.handle(status),
    });
  }

  start(): void {
    this.poller.start();
  }

  /** Stops polling and clears this host's alerts, which nothing would update or clear any more. */
  stop(): void {
    this.poller.stop();
    this.alerts.clearAll();
  }

  status(): GpuHostStatus {
    return this.poller.status();
  }

  history(): GpuHistory[] {
    return this.store.history(this.host);
  }

  setIntervalMs(ms: number): void {
    this.poller.setIntervalMs(ms);
    this.store.setIntervalMs(ms);
  }

  private handle(status: GpuHostStatus): void {
    this.alerts.onPollerState(status.poller);
    if (status.snapshot && status.snapshot !== this.lastSnapshot) {
      this.store.record(status.snapshot);
      this.alerts.onSnapshot(status.snapshot);
    }
    this.lastSnapshot = status.snapshot;
    this.onStatus?.(status);
  }
}
