/** A value nvidia-smi reports as missing or `N/A` is null, never 0 or NaN. */
export interface GpuProcess { pid: number | null; name: string | null; usedMemoryMiB: number | null }

export interface MigDevice { index: number | null; gpuInstanceId: number | null; computeInstanceId: number | null; memoryUsedMiB: number | null; memoryTotalMiB: number | null }

export interface GpuInfo {
  index: number;
  name: string | null;
  uuid: string | null;
  pciBusId: string | null;
  memoryUsedMiB: number | null;
  memoryTotalMiB: number | null;
  memoryFreeMiB: number | null;
  utilizationGpuPercent: number | null;
  utilizationMemoryPercent: number | null;
  temperatureC: number | null;
  temperatureSlowdownC: number | null;
  temperatureShutdownC: number | null;
  /**
   * Degrees C left before the GPU starts slowing itself down. From the absolute slowdown threshold
   * when nvidia-smi reports one, else from the T.Limit margins that Ada and later GPUs report instead
   * (`gpu_temp_tlimit` minus `gpu_temp_slow_tlimit_threshold`). Negative once past it.
   */
  temperatureSlowdownHeadroomC?: number | null;
  powerDrawW: number | null;
  powerLimitW: number | null;
  fanPercent: number | null;
  clocks: { graphicsMHz: number | null; smMHz: number | null; memoryMHz: number | null; videoMHz: number | null };
  performanceState: string | null;
  /** Names of the active throttle / clock-event reasons, e.g. `sw_thermal_slowdown`. */
  throttleReasons: string[];
  migMode: string | null;
  migDevices: MigDevice[];
  eccErrors: { volatileCorrected: number | null; volatileUncorrected: number | null; aggregateCorrected: number | null; aggregateUncorrected: number | null };
  processes: GpuProcess[];
}

export interface GpuSnapshot {
  /** Where the GPUs are: 'local' or a node name. */
  host: string;
  at: number;
  driverVersion: string | null;
  cudaVersion: string | null;
  gpus: GpuInfo[];
}

export type GpuPollerState =
  | { state: 'starting' }
  | { state: 'ok' }
  | { state: 'no-gpu'; message: string }
  | { state: 'failing'; message: string; since: number };

export interface GpuHostStatus { host: string; poller: GpuPollerState; snapshot: GpuSnapshot | null }

export interface GpuHistoryPoint {
  at: number;
  utilizationGpuPercent: number | null;
  memoryUsedMiB: number | null;
  temperatureC: number | null;
  powerDrawW: number | null;
}

export interface GpuHistory { host: string; uuid: string; index: number; points: GpuHistoryPoint[] }
