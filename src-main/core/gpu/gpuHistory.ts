import type { GpuHistory, GpuHistoryPoint, GpuSnapshot } from '../../../shared/gpu.ts';
import { gpuKeys } from './gpuIdentity.ts';
import { RingBuffer } from './ringBuffer.ts';

export const HISTORY_WINDOW_MS = 3_600_000;

/** How many points hold `windowMs` of history at one point per `intervalMs`. */
export function historyCapacity(intervalMs: number, windowMs = HISTORY_WINDOW_MS): number {
  if (!Number.isFinite(intervalMs) || intervalMs <= 0) throw new RangeError(`poll interval must be a positive number of ms, got ${intervalMs}`);
  return Math.max(1, Math.ceil(windowMs / intervalMs));
}

interface Series {
  host: string;
  key: string;
  index: number;
  points: RingBuffer<GpuHistoryPoint>;
}

export interface GpuHistoryStoreOptions {
  intervalMs: number;
  /** How much history to keep; an hour unless told otherwise. */
  windowMs?: number;
}

/** The last hour of each GPU's readings for charts, one ring buffer per GPU keyed by host and UUID. */
export class GpuHistoryStore {
  private readonly series = new Map<string, Series>();
  private readonly windowMs: number;
  private capacity: number;

  constructor(options: GpuHistoryStoreOptions) {
    this.windowMs = options.windowMs ?? HISTORY_WINDOW_MS;
    this.capacity = historyCapacity(options.intervalMs, this.windowMs);
  }

  get pointsPerGpu(): number {
    return this.capacity;
  }

  record(snapshot: GpuSnapshot): void {
    const keys = gpuKeys(snapshot.gpus);
    snapshot.gpus.forEach((gpu, i) => {
      const key = keys[i] ?? `index-${gpu.index}`;
      const id = `${snapshot.host}\u0000${key}`;
      let series = this.series.get(id);
      if (!series) {
        series = { host: snapshot.host, key, index: gpu.index, points: new RingBuffer(this.capacity) };
        this.series.set(id, series);
      }
      series.index = gpu.index;
      series.points.push({
        at: snapshot.at,
        utilizationGpuPercent: gpu.utilizationGpuPercent,
        memoryUsedMiB: gpu.memoryUsedMiB,
        temperatureC: gpu.temperatureC,
        powerDrawW: gpu.powerDrawW,
      });
    });
    // A GPU that left (pulled, fell off the bus) keeps its chart until its last point is an hour old.
    for (const [id, series] of this.series) {
      const newest = series.points.last();
      if (series.host === snapshot.host && newest && newest.at < snapshot.at - this.windowMs) this.series.delete(id);
    }
  }

  /** Every GPU's history, or one host's; ordered by host, then GPU index. Points oldest first. */
  history(host?: string): GpuHistory[] {
    const out: GpuHistory[] = [];
    for (const series of this.series.values()) {
      if (host !== undefined && series.host !== host) continue;
      out.push({ host: series.host, uuid: series.key, index: series.index, points: series.points.toArray() });
    }
    return out.sort((a, b) => a.host.localeCompare(b.host) || a.index - b.index || a.uuid.localeCompare(b.uuid));
  }

  /** A new poll interval: each GPU's buffer is resized to still hold the window, keeping its newest points. */
  setIntervalMs(intervalMs: number): void {
    this.capacity = historyCapacity(intervalMs, this.windowMs);
    for (const series of this.series.values()) series.points.resize(this.capacity);
  }

  clear(host?: string): void {
    for (const [id, series] of this.series) {
      if (host === undefined || series.host === host) this.series.delete(id);
    }
  }
}
