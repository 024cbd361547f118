import type { GpuInfo, GpuSnapshot } from '../../../../shared/gpu.ts';

/** A GPU with ordinary readings; tests override what they are about. */
export function gpuInfo(overrides: Partial<GpuInfo> = {}): GpuInfo {
  return {
    index: 0,
    name: 'NVIDIA A100',
    uuid: 'GPU-aaaa',
    pciBusId: '00000000:01:00.0',
    memoryUsedMiB: 1000,
    memoryTotalMiB: 81920,
    memoryFreeMiB: 80920,
    utilizationGpuPercent: 50,
    utilizationMemoryPercent: 20,
    temperatureC: 60,
    temperatureSlowdownC: 90,
    temperatureShutdownC: 95,
    temperatureSlowdownHeadroomC: 30,
    powerDrawW: 200,
    powerLimitW: 400,
    fanPercent: null,
    clocks: { graphicsMHz: 1410, smMHz: 1410, memoryMHz: 1593, videoMHz: 1275 },
    performanceState: 'P0',
    throttleReasons: [],
    migMode: null,
    migDevices: [],
    eccErrors: { volatileCorrected: 0, volatileUncorrected: 0, aggregateCorrected: 0, aggregateUncorrected: 0 },
    processes: [],
    ...overrides,
  };
}

/** A GPU at a given temperature under a 90 C slowdown threshold, with the headroom to match. */
export function gpuAt(temperatureC: number, overrides: Partial<GpuInfo> = {}): GpuInfo {
  return gpuInfo({ temperatureC, temperatureSlowdownC: 90, temperatureSlowdownHeadroomC: 90 - temperatureC, ...overrides });
}

export function snapshot(gpus: GpuInfo[], at = 0, host = 'local'): GpuSnapshot {
  return { host, at, driverVersion: '550.54.14', cudaVersion: '12.4', gpus };
}
