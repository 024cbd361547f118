import type { GpuInfo, GpuProcess, MigDevice } from '../../../shared/gpu.ts';
import { eccTotals } from './eccTotals.ts';
import { child, firstQuantity, integer, isXmlNode, list, quantity, text, type XmlNode } from './nvidiaSmiValues.ts';

// Each list is in order of preference. Drivers from ~530 moved the readings from <power_readings> to
// <gpu_power_readings>; ~570 replaced power_draw by instant_/average_power_draw (instant first: it is
// what "now" means on a live dashboard) and power_limit by current_power_limit. enforced_power_limit,
// where present, is the limit that actually applies when several are set.
const POWER_CONTAINERS = ['gpu_power_readings', 'power_readings'];
const POWER_DRAW = ['power_draw', 'instant_power_draw', 'average_power_draw'];
const POWER_LIMIT = ['enforced_power_limit', 'current_power_limit', 'power_limit'];
// Renamed from "throttle" to "event" around driver 535; "clocks_reasons" is accepted in case it is next.
const REASON_CONTAINERS = ['clocks_event_reasons', 'clocks_throttle_reasons', 'clocks_reasons'];
const REASON_PREFIX = /^clocks_(?:event_|throttle_)?reason_/;

function firstChild(gpu: XmlNode, names: readonly string[]): unknown {
  for (const name of names) {
    if (gpu[name] !== undefined) return gpu[name];
  }
  return undefined;
}

function throttleReasons(gpu: XmlNode): string[] {
  const container = firstChild(gpu, REASON_CONTAINERS);
  if (!isXmlNode(container)) return [];
  return Object.entries(container)
    .filter(([, value]) => text(value) === 'Active')
    .map(([name]) => name.replace(REASON_PREFIX, ''));
}

function slowdownHeadroom(temperature: unknown, temperatureC: number | null, slowdownC: number | null): number | null {
  if (temperatureC !== null && slowdownC !== null) return slowdownC - temperatureC;
  // Ada and later report margins to T.Limit instead of absolute thresholds: gpu_temp_tlimit is how far
  // the GPU is below T.Limit, and the slowdown threshold is a margin on the same scale (e.g. -2 C).
  const margin = quantity(child(temperature, 'gpu_temp_tlimit'), 'C');
  const slowdownMargin = quantity(child(temperature, 'gpu_temp_slow_tlimit_threshold'), 'C');
  if (margin !== null && slowdownMargin !== null) return margin - slowdownMargin;
  return null;
}

function processes(gpu: XmlNode): GpuProcess[] {
  return list(gpu.processes, 'process_info').map((p) => ({
    pid: integer(p.pid),
    name: text(p.process_name),
    usedMemoryMiB: quantity(p.used_memory, 'MiB'),
  }));
}

function migDevices(gpu: XmlNode): MigDevice[] {
  // <mig_devices> holds the text "None" (or N/A) when MIG is off, so list() finds no mig_device.
  return list(gpu.mig_devices, 'mig_device').map((d) => ({
    index: integer(d.index),
    gpuInstanceId: integer(d.gpu_instance_id),
    computeInstanceId: integer(d.compute_instance_id),
    memoryUsedMiB: quantity(child(d.fb_memory_usage, 'used'), 'MiB'),
    memoryTotalMiB: quantity(child(d.fb_memory_usage, 'total'), 'MiB'),
  }));
}

/** One <gpu> element; `position` is its place in the document, the index when minor_number is N/A. */
export function parseGpuElement(gpu: XmlNode, position: number): GpuInfo {
  const memory = gpu.fb_memory_usage;
  const utilization = gpu.utilization;
  const temperature = gpu.temperature;
  const power = firstChild(gpu, POWER_CONTAINERS);
  const clocks = gpu.clocks;
  const temperatureC = quantity(child(temperature, 'gpu_temp'), 'C');
  const temperatureSlowdownC = quantity(child(temperature, 'gpu_temp_slow_threshold'), 'C');
  return {
    index: integer(gpu.minor_number) ?? position,
    name: text(gpu.product_name),
    uuid: text(gpu.uuid),
    // Trimmed captures can lack <pci>; the gpu element's id attribute is the same bus id.
    pciBusId: text(child(gpu.pci, 'pci_bus_id')) ?? text(gpu['@_id']),
    memoryUsedMiB: quantity(child(memory, 'used'), 'MiB'),
    memoryTotalMiB: quantity(child(memory, 'total'), 'MiB'),
    memoryFreeMiB: quantity(child(memory, 'free'), 'MiB'),
    utilizationGpuPercent: quantity(child(utilization, 'gpu_util'), '%'),
    utilizationMemoryPercent: quantity(child(utilization, 'memory_util'), '%'),
    temperatureC,
    temperatureSlowdownC,
    temperatureShutdownC: quantity(child(temperature, 'gpu_temp_max_threshold'), 'C'),
    temperatureSlowdownHeadroomC: slowdownHeadroom(temperature, temperatureC, temperatureSlowdownC),
    powerDrawW: firstQuantity(power, POWER_DRAW, 'W'),
    powerLimitW: firstQuantity(power, POWER_LIMIT, 'W'),
    fanPercent: quantity(gpu.fan_speed, '%'),
    clocks: {
      graphicsMHz: quantity(child(clocks, 'graphics_clock'), 'MHz'),
      smMHz: quantity(child(clocks, 'sm_clock'), 'MHz'),
      memoryMHz: quantity(child(clocks, 'mem_clock'), 'MHz'),
      videoMHz: quantity(child(clocks, 'video_clock'), 'MHz'),
    },
    performanceState: text(gpu.performance_state),
    throttleReasons: throttleReasons(gpu),
    migMode: text(child(gpu.mig_mode, 'current_mig')),
    migDevices: migDevices(gpu),
    eccErrors: eccTotals(gpu.ecc_errors),
    processes: processes(gpu),
  };
}
