import type { GpuInfo } from '../../../shared/gpu.ts';

/**
 * A key that names the same physical GPU from one snapshot to the next: its UUID. Indexes are no
 * good for that (they shift when a GPU falls off the bus). A GPU without a UUID falls back to its PCI
 * bus id, then its index; a UUID shared by two GPUs (redacted captures do that) gets the bus id added
 * so that the two stay apart.
 */
export function gpuKeys(gpus: readonly GpuInfo[]): string[] {
  const seen = new Map<string, number>();
  for (const gpu of gpus) {
    if (gpu.uuid !== null) seen.set(gpu.uuid, (seen.get(gpu.uuid) ?? 0) + 1);
  }
  return gpus.map((gpu) => {
    const location = gpu.pciBusId ?? `index-${gpu.index}`;
    if (gpu.uuid === null) return location;
    return (seen.get(gpu.uuid) ?? 0) > 1 ? `${gpu.uuid}@${location}` : gpu.uuid;
  });
}

/** "GPU 0 (NVIDIA A100)" — how messages name a GPU to an operator. */
export function gpuLabel(gpu: Pick<GpuInfo, 'index' | 'name'>): string {
  return gpu.name ? `GPU ${gpu.index} (${gpu.name})` : `GPU ${gpu.index}`;
}
