import type { AlertSeverity } from '../../../shared/engineState.ts';
import type { GpuInfo, GpuPollerState, GpuSnapshot } from '../../../shared/gpu.ts';
import type { AlertSink } from '../events/alertSink.ts';
import { gpuKeys, gpuLabel } from './gpuIdentity.ts';

export interface GpuAlertOptions {
  host: string;
  sink: AlertSink;
  /** Alert when the GPU is this many degrees C or fewer below its slowdown threshold. */
  slowdownMarginC?: number;
  /** Fraction of memory in use at which to alert. */
  memoryFraction?: number;
  /**
   * How far a reading must come back before its alert clears, so that a GPU hovering at the
   * threshold gives one alert rather than a new one every poll.
   */
  temperatureHysteresisC?: number;
  memoryHysteresisFraction?: number;
}

export function temperatureAlertKey(host: string, gpuKey: string): string {
  return `gpu:${host}:${gpuKey}:temp`;
}
export function memoryAlertKey(host: string, gpuKey: string): string {
  return `gpu:${host}:${gpuKey}:memory`;
}
export function missingAlertKey(host: string, gpuKey: string): string {
  return `gpu:${host}:${gpuKey}:missing`;
}
export function nvidiaSmiAlertKey(host: string): string {
  return `gpu:${host}:nvidia-smi`;
}

function slowdownHeadroom(gpu: GpuInfo): number | null {
  if (gpu.temperatureSlowdownHeadroomC !== undefined && gpu.temperatureSlowdownHeadroomC !== null) return gpu.temperatureSlowdownHeadroomC;
  if (gpu.temperatureC === null || gpu.temperatureSlowdownC === null) return null;
  return gpu.temperatureSlowdownC - gpu.temperatureC;
}

/** Turns snapshots and poller states into alerts, each raised once when its condition starts and cleared when it ends. */
export class GpuAlerts {
  private readonly host: string;
  private readonly sink: AlertSink;
  private readonly slowdownMarginC: number;
  private readonly memoryFraction: number;
  private readonly temperatureHysteresisC: number;
  private readonly memoryHysteresisFraction: number;
  /** Raised alerts by key, with the message they were raised with. */
  private readonly active = new Map<string, string>();
  /** Every GPU seen on this host, so that one missing for several polls stays missing. */
  private readonly known = new Map<string, GpuInfo>();

  constructor(options: GpuAlertOptions) {
    this.host = options.host;
    this.sink = options.sink;
    this.slowdownMarginC = options.slowdownMarginC ?? 5;
    this.memoryFraction = options.memoryFraction ?? 0.95;
    this.temperatureHysteresisC = options.temperatureHysteresisC ?? 2;
    this.memoryHysteresisFraction = options.memoryHysteresisFraction ?? 0.02;
  }

  onSnapshot(snapshot: GpuSnapshot): void {
    const keys = gpuKeys(snapshot.gpus);
    const present = new Set<string>();
    snapshot.gpus.forEach((gpu, i) => {
      const key = keys[i] ?? `index-${gpu.index}`;
      present.add(key);
      this.known.set(key, gpu);
      this.clear(missingAlertKey(this.host, key));
      this.checkTemperature(key, gpu);
      this.checkMemory(key, gpu);
    });
    for (const [key, gpu] of this.known) {
      if (present.has(key)) continue;
      // Its readings are gone with it; the missing alert says what matters now.
      this.clear(temperatureAlertKey(this.host, key));
      this.clear(memoryAlertKey(this.host, key));
      const id = gpu.uuid ?? gpu.pciBusId;
      this.raise(
        missingAlertKey(this.host, key),
        'critical',
        `${gpuLabel(gpu)}${id ? ` [${id}]` : ''} on ${this.host} is no longer reported by nvidia-smi; it may have fallen off the bus. ` +
          'Check the kernel log (dmesg) for Xid errors; a reboot is usually needed to get it back.',
      );
    }
  }

  onPollerState(state: GpuPollerState): void {
    const key = nvidiaSmiAlertKey(this.host);
    if (state.state === 'failing') {
      this.raise(
        key,
        'critical',
        `GPU telemetry on ${this.host} has stopped: ${state.message}. Temperature and memory alerts for its GPUs are paused until nvidia-smi answers again.`,
      );
    } else if (state.state === 'ok' || state.state === 'no-gpu') {
      this.clear(key);
    }
  }

  /** Clears every alert this instance raised, e.g. when its host stops being monitored. */
  clearAll(): void {
    for (const key of [...this.active.keys()]) this.clear(key);
    this.known.clear();
  }

  private checkTemperature(key: string, gpu: GpuInfo): void {
    const alertKey = temperatureAlertKey(this.host, key);
    const headroom = slowdownHeadroom(gpu);
    const limit = this.active.has(alertKey) ? this.slowdownMarginC + this.temperatureHysteresisC : this.slowdownMarginC;
    if (headroom === null || headroom > limit) return this.clear(alertKey);
    const at = gpu.temperatureC === null ? '' : ` is at ${gpu.temperatureC} C,`;
    const threshold = gpu.temperatureSlowdownC === null ? 'the temperature where it starts slowing down' : `its slowdown threshold of ${gpu.temperatureSlowdownC} C`;
    const where = headroom > 0 ? `${headroom} C below ${threshold}` : headroom === 0 ? `at ${threshold}` : `${-headroom} C above ${threshold}`;
    this.raise(
      alertKey,
      'critical',
      `${gpuLabel(gpu)} on ${this.host}${at || ' is'} ${where}. Check its fans and airflow, or lower its load or power limit.`,
    );
  }

  private checkMemory(key: string, gpu: GpuInfo): void {
    const alertKey = memoryAlertKey(this.host, key);
    const { memoryUsedMiB: used, memoryTotalMiB: total } = gpu;
    if (used === null || total === null || total <= 0) return this.clear(alertKey);
    const fraction = used / total;
    const limit = this.active.has(alertKey) ? this.memoryFraction - this.memoryHysteresisFraction : this.memoryFraction;
    if (fraction < limit) return this.clear(alertKey);
    this.raise(
      alertKey,
      'warning',
      `${gpuLabel(gpu)} on ${this.host} has ${used} of ${total} MiB of memory in use (${Math.floor(fraction * 100)}%). ` +
        'New model loads or larger batches on it may fail with out-of-memory.',
    );
  }

  // Raised once per condition: a message that changes every poll (the temperature) is not news.
  private raise(key: string, severity: AlertSeverity, message: string): void {
    if (this.active.has(key)) return;
    this.active.set(key, message);
    this.sink.raise({ key, severity, source: 'gpu', message });
  }

  private clear(key: string): void {
    if (!this.active.delete(key)) return;
    this.sink.clear(key);
  }
}
