/**
 * Expected values written out by hand from the XML of each capture (grep it to check), not copied
 * from the parser's output. The captures span the drivers from 375 (2017) to 595 (2026).
 */
import { describe, expect, it } from 'vitest';
import type { GpuInfo, GpuSnapshot } from '../../../shared/gpu.ts';
import { parseNvidiaSmiXml } from '../../../src-main/core/gpu/parseNvidiaSmi.ts';
import { readCapture } from './support/fixtures.ts';

function parse(file: string): GpuSnapshot {
  return parseNvidiaSmiXml(readCapture(file), 'local', 0);
}

function gpu(snapshot: GpuSnapshot, position: number): GpuInfo {
  const found = snapshot.gpus[position];
  if (!found) throw new Error(`no GPU at position ${position}`);
  return found;
}

const NO_ECC = { volatileCorrected: null, volatileUncorrected: null, aggregateCorrected: null, aggregateUncorrected: null };
const ZERO_ECC = { volatileCorrected: 0, volatileUncorrected: 0, aggregateCorrected: 0, aggregateUncorrected: 0 };

describe('driver 375.66, two Tesla P100 (DTD v8, the oldest capture)', () => {
  const snapshot = parse('tony__nvidia-smi-sample-xml-output.xml');

  it('reads the driver, and no CUDA version since this driver does not print one', () => {
    expect(snapshot.driverVersion).toBe('375.66');
    expect(snapshot.cudaVersion).toBeNull();
  });

  it('shows every reading of GPU 0', () => {
    expect(gpu(snapshot, 0)).toEqual({
      index: 0,
      name: 'Tesla P100-PCIE-12GB',
      uuid: 'GPU-28604e81-21ec-cc48-6759-bf2648b22e16',
      pciBusId: '0000:04:00.0',
      memoryUsedMiB: 0,
      memoryTotalMiB: 12193,
      memoryFreeMiB: 12193,
      utilizationGpuPercent: 0,
      utilizationMemoryPercent: 0,
      temperatureC: 31,
      temperatureSlowdownC: 82,
      temperatureShutdownC: 85,
      temperatureSlowdownHeadroomC: 51,
      powerDrawW: 24.84,
      powerLimitW: 250,
      fanPercent: null,
      clocks: { graphicsMHz: 405, smMHz: 405, memoryMHz: 715, videoMHz: 835 },
      performanceState: 'P0',
      throttleReasons: ['gpu_idle'],
      migMode: null,
      migDevices: [],
      eccErrors: ZERO_ECC,
      processes: [],
    });
  });

  it('keeps a fractional utilization (10.3 %) of GPU 1', () => {
    expect(gpu(snapshot, 1)).toMatchObject({
      index: 1,
      uuid: 'GPU-46915a82-3fd2-8e11-ae26-a80b607c04f3',
      pciBusId: '0000:82:00.0',
      utilizationGpuPercent: 10.3,
      temperatureC: 34,
      powerDrawW: 25.54,
    });
  });
});

describe('driver 384.66, two GeForce GTX 1070 with graphics processes (DTD v9)', () => {
  const snapshot = parse('pai__nvidia_smi_sample.xml');

  it('shows GPU 0 with its three processes and no ECC counts (GeForce has no ECC)', () => {
    expect(gpu(snapshot, 0)).toMatchObject({
      index: 0,
      name: 'GeForce GTX 1070',
      uuid: 'GPU-e511a7b2-f9d5-ba47-9b98-853732ca6c1b',
      memoryUsedMiB: 2028,
      memoryTotalMiB: 8112,
      memoryFreeMiB: 6084,
      utilizationGpuPercent: 100,
      utilizationMemoryPercent: 99,
      temperatureC: 60,
      temperatureSlowdownC: 96,
      temperatureShutdownC: 99,
      powerDrawW: 119.47,
      powerLimitW: 180,
      fanPercent: 41,
      clocks: { graphicsMHz: 1923, smMHz: 1923, memoryMHz: 3802, videoMHz: 1721 },
      performanceState: 'P2',
      throttleReasons: [],
      eccErrors: NO_ECC,
      processes: [
        { pid: 1357, name: '/usr/lib/xorg/Xorg', usedMemoryMiB: 99 },
        { pid: 2384, name: '/usr/bin/gnome-shell', usedMemoryMiB: 79 },
        { pid: 3093, name: './ethminer', usedMemoryMiB: 2283 },
      ],
    });
  });

  it('shows GPU 1 with its one process', () => {
    expect(gpu(snapshot, 1)).toMatchObject({
      index: 1,
      uuid: 'GPU-28daffaf-8abe-aaf8-c298-4bd13aecb5e6',
      memoryUsedMiB: 4057,
      memoryTotalMiB: 8114,
      utilizationGpuPercent: 98,
      temperatureC: 59,
      powerDrawW: 139.3,
      fanPercent: 39,
      processes: [{ pid: 3093, name: './ethminer', usedMemoryMiB: 2283 }],
    });
  });
});

describe('driver 384.111, a GeForce GT 730 that reports almost nothing (hand-trimmed)', () => {
  it('shows every missing or N/A reading as no value rather than 0', () => {
    expect(gpu(parse('pai__nvidia_smi_outdated_gpu.xml'), 0)).toEqual({
      index: 0,
      name: 'GeForce GT 730',
      uuid: 'GPU-09cb2925-9d01-5ca4-810b-6cdebe86b71a',
      pciBusId: '00000000:01:00.0',
      memoryUsedMiB: null,
      memoryTotalMiB: null,
      memoryFreeMiB: null,
      utilizationGpuPercent: null,
      utilizationMemoryPercent: null,
      temperatureC: null,
      temperatureSlowdownC: null,
      temperatureShutdownC: null,
      temperatureSlowdownHeadroomC: null,
      powerDrawW: null,
      powerLimitW: null,
      fanPercent: null,
      clocks: { graphicsMHz: null, smMHz: null, memoryMHz: null, videoMHz: null },
      performanceState: null,
      throttleReasons: [],
      migMode: null,
      migDevices: [],
      eccErrors: NO_ECC,
      processes: [],
    });
  });
});

describe('driver 410.104, a Tesla V100-SXM3 with retired pages and ECC errors', () => {
  const snapshot = parse('pai__nvidia_smi_retired_pages.xml');

  it('shows its ECC error totals', () => {
    expect(gpu(snapshot, 0).eccErrors).toEqual({ volatileCorrected: 1, volatileUncorrected: 1, aggregateCorrected: 291, aggregateUncorrected: 7627 });
  });

  it('shows its readings', () => {
    expect(snapshot.cudaVersion).toBe('10.0');
    expect(gpu(snapshot, 0)).toMatchObject({
      name: 'Tesla V100-SXM3-32GB',
      uuid: 'GPU-ef23ffa6-c9fd-93d5-aeb8-612c087255ff',
      memoryUsedMiB: 0,
      memoryTotalMiB: 32480,
      temperatureC: 33,
      temperatureSlowdownC: 89,
      temperatureShutdownC: 92,
      powerDrawW: 50.6,
      powerLimitW: 350,
      throttleReasons: ['gpu_idle'],
    });
  });
});

describe('driver 430.26, four Tesla K80 listed out of order (minor numbers 1, 2, 3, 0)', () => {
  const snapshot = parse('pai__nvidia_smi_out_of_order.xml');

  it('lists the GPUs by index, so GPU 0 (last in the document) comes first', () => {
    expect(snapshot.gpus.map((g) => [g.index, g.uuid])).toEqual([
      [0, 'GPU-3341aba2-f01d-2c1f-7dd4-e389779faec2'],
      [1, 'GPU-c3b26f7a-8dcb-619c-fa1b-8029265a4db0'],
      [2, 'GPU-b01b80eb-0f18-1df0-cf88-0725bd90f1e1'],
      [3, 'GPU-30bc2701-3bc2-5f35-0ebd-9867a077e138'],
    ]);
  });

  it('shows "Not Found" CUDA as no CUDA version', () => {
    expect(snapshot.cudaVersion).toBeNull();
  });

  it('keeps each GPU its own readings after sorting', () => {
    expect(gpu(snapshot, 0)).toMatchObject({
      pciBusId: '0000F8D6:00:00.0',
      memoryUsedMiB: 0,
      memoryTotalMiB: 11441,
      utilizationGpuPercent: 0,
      temperatureC: 26,
      temperatureSlowdownC: 88,
      temperatureShutdownC: 110,
      powerDrawW: 34.44,
      powerLimitW: 149,
      performanceState: 'P8',
      throttleReasons: ['gpu_idle'],
      processes: [],
    });
    expect(gpu(snapshot, 1)).toMatchObject({
      pciBusId: '00001580:00:00.0',
      memoryUsedMiB: 587,
      memoryFreeMiB: 10854,
      utilizationGpuPercent: 99,
      utilizationMemoryPercent: 29,
      temperatureC: 64,
      powerDrawW: 135.72,
      throttleReasons: ['applications_clocks_setting'],
      eccErrors: { volatileCorrected: 0, volatileUncorrected: 0, aggregateCorrected: 7, aggregateUncorrected: 7 },
      processes: [{ pid: 58813, name: 'python', usedMemoryMiB: 576 }],
    });
    expect(gpu(snapshot, 2)).toMatchObject({
      temperatureC: 69,
      powerDrawW: 139.71,
      eccErrors: { aggregateCorrected: 34, aggregateUncorrected: 4 },
      processes: [{ pid: 58642, name: 'python', usedMemoryMiB: 576 }],
    });
  });
});

describe('driver 460.73.01, eight Tesla V100S under load', () => {
  const snapshot = parse('datakit__gtx-8card.xml');

  it('shows GPU 0 nearly full, with its process', () => {
    expect(snapshot.cudaVersion).toBe('11.2');
    expect(gpu(snapshot, 0)).toMatchObject({
      index: 0,
      name: 'Tesla V100S-PCIE-32GB',
      uuid: 'GPU-76098dc1-d3bc-9a1b-7ea6-f7b48837829e',
      pciBusId: '00000000:00:0D.0',
      memoryUsedMiB: 31689,
      memoryTotalMiB: 32510,
      memoryFreeMiB: 821,
      utilizationGpuPercent: 97,
      utilizationMemoryPercent: 52,
      temperatureC: 66,
      temperatureSlowdownC: 87,
      temperatureShutdownC: 90,
      powerDrawW: 232.8,
      powerLimitW: 250,
      fanPercent: null,
      clocks: { graphicsMHz: 1410, smMHz: 1410, memoryMHz: 1107, videoMHz: 1275 },
      throttleReasons: [],
      eccErrors: ZERO_ECC,
      processes: [{ pid: 37305, name: 'python', usedMemoryMiB: 31683 }],
    });
  });

  it('shows GPU 3 capped by its power limit', () => {
    expect(gpu(snapshot, 3)).toMatchObject({
      index: 3,
      uuid: 'GPU-3181eb56-505c-8214-ba05-c132f68f89b8',
      pciBusId: '00000000:00:10.0',
      memoryUsedMiB: 32099,
      memoryFreeMiB: 411,
      utilizationGpuPercent: 23,
      utilizationMemoryPercent: 12,
      temperatureC: 61,
      powerDrawW: 198.41,
      throttleReasons: ['sw_power_cap'],
      processes: [{ pid: 37305, name: 'python', usedMemoryMiB: 32093 }],
    });
  });
});

describe('driver 515.65.01, a GeForce GTX 1050 without power readings', () => {
  const snapshot = parse('datakit__gtx-1050-1.xml');

  it('shows N/A power and MIG as no value, and MIG devices "None" as none', () => {
    expect(gpu(snapshot, 0)).toMatchObject({
      powerDrawW: null,
      powerLimitW: null,
      fanPercent: null,
      migMode: null,
      migDevices: [],
      eccErrors: NO_ECC,
    });
  });

  it('shows its readings and both processes', () => {
    expect(snapshot.cudaVersion).toBe('11.7');
    expect(gpu(snapshot, 0)).toMatchObject({
      name: 'NVIDIA GeForce GTX 1050',
      uuid: 'GPU-06e04616-0ed5-4069-5ebc-345349a0d4f3',
      memoryUsedMiB: 65,
      memoryTotalMiB: 4096,
      memoryFreeMiB: 3974,
      utilizationGpuPercent: 7,
      utilizationMemoryPercent: 3,
      temperatureC: 44,
      temperatureSlowdownC: 97,
      temperatureShutdownC: 102,
      clocks: { graphicsMHz: 683, smMHz: 683, memoryMHz: 2504, videoMHz: 620 },
      performanceState: 'P3',
      throttleReasons: ['gpu_idle'],
      processes: [
        { pid: 1200, name: '/usr/lib/xorg/Xorg', usedMemoryMiB: 61 },
        { pid: 30091, name: '/snap/firefox/1775/usr/lib/firefox/firefox', usedMemoryMiB: 1 },
      ],
    });
  });
});

describe('driver 535.54.03, an A100-SXM4-80GB split into four MIG devices (DTD v12)', () => {
  const snapshot = parse('telegraf__a100-sxm4-v12.xml');

  it('shows MIG enabled with its four devices', () => {
    const a100 = gpu(snapshot, 0);
    expect(a100.migMode).toBe('Enabled');
    expect(a100.migDevices).toEqual([
      { index: 0, gpuInstanceId: 3, computeInstanceId: 0, memoryUsedMiB: 12, memoryTotalMiB: 19968 },
      { index: 1, gpuInstanceId: 4, computeInstanceId: 0, memoryUsedMiB: 12, memoryTotalMiB: 19968 },
      { index: 2, gpuInstanceId: 5, computeInstanceId: 0, memoryUsedMiB: 12, memoryTotalMiB: 19968 },
      { index: 3, gpuInstanceId: 6, computeInstanceId: 0, memoryUsedMiB: 12, memoryTotalMiB: 19968 },
    ]);
  });

  it('reads power from gpu_power_readings and the limit from current_power_limit', () => {
    expect(gpu(snapshot, 0)).toMatchObject({ powerDrawW: 67.03, powerLimitW: 500 });
  });

  it('shows utilization, which MIG mode hides, as no value, and the rest of its readings', () => {
    expect(snapshot.cudaVersion).toBe('12.2');
    expect(gpu(snapshot, 0)).toMatchObject({
      index: 1,
      name: 'NVIDIA A100-SXM4-80GB',
      uuid: 'GPU-513536b6-7d19-9063-b049-1e69664bb298',
      pciBusId: '00000000:01:00.0',
      memoryUsedMiB: 50,
      memoryTotalMiB: 81920,
      memoryFreeMiB: 80999,
      utilizationGpuPercent: null,
      utilizationMemoryPercent: null,
      temperatureC: 27,
      temperatureSlowdownC: 89,
      temperatureShutdownC: 92,
      fanPercent: null,
      clocks: { graphicsMHz: 1275, smMHz: 1275, memoryMHz: 1593, videoMHz: 1275 },
      performanceState: 'P0',
      throttleReasons: [],
      eccErrors: ZERO_ECC,
      processes: [],
    });
  });
});

describe('driver 536.40, an RTX 3080 whose minor number is N/A', () => {
  const snapshot = parse('telegraf__rtx-3080-v12.xml');

  it('numbers the GPU by its place in the list', () => {
    expect(gpu(snapshot, 0).index).toBe(0);
  });

  it('shows its readings and its five processes', () => {
    expect(gpu(snapshot, 0)).toMatchObject({
      name: 'NVIDIA GeForce RTX 3080',
      uuid: 'GPU-19d6d965-2acc-f646-00f8-4c76979aabb4',
      memoryUsedMiB: 1128,
      memoryTotalMiB: 10240,
      memoryFreeMiB: 8938,
      utilizationGpuPercent: 0,
      utilizationMemoryPercent: 37,
      temperatureC: 31,
      temperatureSlowdownC: 95,
      temperatureShutdownC: 98,
      powerDrawW: 22.78,
      powerLimitW: 336,
      fanPercent: 0,
      performanceState: 'P8',
      throttleReasons: ['gpu_idle'],
      processes: [
        { pid: 835, name: '/usr/lib/Xorg', usedMemoryMiB: 550 },
        { pid: 1481, name: '/usr/bin/gnome-shell', usedMemoryMiB: 18 },
        { pid: 2214, name: expect.stringMatching(/^\/opt\/microsoft\/msedge\/msedge --type=gpu-process /), usedMemoryMiB: 79 },
        { pid: 4044, name: '/usr/lib/firefox/firefox', usedMemoryMiB: 541 },
        { pid: 42416, name: expect.stringMatching(/^\/opt\/visual-studio-code\/code --type=gpu-process /), usedMemoryMiB: 159 },
      ],
    });
  });
});

describe('driver 512.78, a Tesla T4 on Windows that hides process names and memory', () => {
  it('shows the hidden process names and memory as no value, keeping the pids', () => {
    const t4 = gpu(parse('telegraf__tesla_t4.xml'), 0);
    expect(t4.processes).toHaveLength(15);
    expect(t4.processes[0]).toEqual({ pid: 2320, name: null, usedMemoryMiB: null });
    expect(t4.processes[1]).toEqual({ pid: 2348, name: null, usedMemoryMiB: null });
    expect(t4).toMatchObject({ index: 0, memoryUsedMiB: 276, memoryTotalMiB: 15360, powerDrawW: 13.08, powerLimitW: 70 });
  });
});

describe('driver 570.124.04, an RTX 3060 that reports only instant and average power draw', () => {
  const snapshot = parse('telegraf__rtx-3060-v12.xml');

  it('shows the instant power draw and the current power limit', () => {
    expect(gpu(snapshot, 0)).toMatchObject({ powerDrawW: 11.63, powerLimitW: 170 });
  });

  it('shows its other readings', () => {
    expect(snapshot).toMatchObject({ driverVersion: '570.124.04', cudaVersion: '12.8' });
    expect(gpu(snapshot, 0)).toMatchObject({
      name: 'NVIDIA GeForce RTX 3060',
      uuid: 'GPU-d6889ff6-2523-9142-ca3c-1ca3f396a625',
      pciBusId: '00000000:2D:00.0',
      memoryUsedMiB: 116,
      memoryTotalMiB: 12288,
      memoryFreeMiB: 11806,
      utilizationGpuPercent: 0,
      temperatureC: 42,
      temperatureSlowdownC: 95,
      temperatureShutdownC: 98,
      fanPercent: 0,
      clocks: { graphicsMHz: 210, smMHz: 210, memoryMHz: 405, videoMHz: 555 },
      throttleReasons: ['gpu_idle'],
      eccErrors: NO_ECC,
      processes: [],
    });
  });
});

describe('driver 590.44.01, two RTX 2070 whose average power draw is N/A (DTD v13)', () => {
  const snapshot = parse('telegraf__dual_2070-v13.xml');

  it('falls back to the instant power draw of each GPU', () => {
    expect(snapshot.gpus.map((g) => [g.index, g.uuid, g.powerDrawW, g.powerLimitW, g.fanPercent, g.temperatureC, g.temperatureSlowdownC])).toEqual([
      [0, 'GPU-12345678-aaaa-bbbb-cccc-0123456789ab', 9.23, 175, 35, 14, 91],
      [1, 'GPU-12345678-aaaa-bbbb-cccc-0123456789cd', 11.82, 175, 34, 13, 91],
    ]);
  });
});

describe('driver 590.44.01, an RTX PRO 6000 Blackwell that reports T.Limit margins instead of thresholds', () => {
  const snapshot = parse('telegraf__pro-6000-maxq-blackwell-v13.xml');

  it('shows no absolute thresholds, and the headroom to slowdown from the T.Limit margins (68 C - (-2 C))', () => {
    expect(gpu(snapshot, 0)).toMatchObject({
      temperatureC: 24,
      temperatureSlowdownC: null,
      temperatureShutdownC: null,
      temperatureSlowdownHeadroomC: 70,
    });
  });

  it('shows the llama-server holding most of its memory', () => {
    expect(gpu(snapshot, 0)).toMatchObject({
      name: 'NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition',
      memoryUsedMiB: 65720,
      memoryTotalMiB: 97887,
      memoryFreeMiB: 31531,
      powerDrawW: 3.99,
      powerLimitW: 300,
      fanPercent: 30,
      throttleReasons: [],
      processes: [{ pid: 116860, name: '/root/src/llama.cpp/build/bin/llama-server', usedMemoryMiB: 65710 }],
    });
  });
});

describe('driver 595.84, an RTX 4000 SFF Ada (the newest capture)', () => {
  const snapshot = parse('telegraf__rtx-4000-sff-ada-v13.xml');

  it('shows every reading', () => {
    expect(snapshot).toMatchObject({ driverVersion: '595.84', cudaVersion: '13.2' });
    expect(gpu(snapshot, 0)).toEqual({
      index: 0,
      name: 'NVIDIA RTX 4000 SFF Ada Generation',
      uuid: 'GPU-37037c3f-65c8-ec4d-24a9-420204ad8026',
      pciBusId: '00000000:06:00.0',
      memoryUsedMiB: 3534,
      memoryTotalMiB: 20475,
      memoryFreeMiB: 16482,
      utilizationGpuPercent: 0,
      utilizationMemoryPercent: 37,
      temperatureC: 38,
      temperatureSlowdownC: null,
      temperatureShutdownC: null,
      temperatureSlowdownHeadroomC: 51,
      powerDrawW: 8.44,
      powerLimitW: 70,
      fanPercent: 30,
      clocks: { graphicsMHz: 210, smMHz: 210, memoryMHz: 405, videoMHz: 765 },
      performanceState: 'P8',
      throttleReasons: ['gpu_idle'],
      migMode: null,
      migDevices: [],
      eccErrors: NO_ECC,
      processes: [
        { pid: 1842, name: 'cosmic-comp', usedMemoryMiB: 410 },
        { pid: 3190, name: '/usr/bin/code', usedMemoryMiB: 451 },
        { pid: 4937, name: 'python', usedMemoryMiB: 160 },
        { pid: 34626, name: '/usr/lib/chromium/chromium', usedMemoryMiB: 183 },
      ],
    });
  });
});
