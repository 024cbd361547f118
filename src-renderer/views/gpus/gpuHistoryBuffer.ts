import type { GpuHistory, GpuHistoryPoint, GpuHostStatus } from '../../../shared/gpu.ts';

export interface GpuSeries { host: string; uuid: string; index: number; name: string | null; points: GpuHistoryPoint[] }

/** About an hour at the default 2 s poll interval; older points fall off the left of the charts. */
const MAX_POINTS = 1800;

/**
 * The history the GPUs view charts: fetched once with gpus.history, then extended from every gpu.updated
 * event, so the charts move with the cards without asking the engine again.
 */
export class GpuHistoryBuffer {
  private readonly series = new Map<string, GpuSeries>();
  /** Hosts the charts show, in order of first appearance. */
  hosts(): string[] {
    return [...new Set([...this.series.values()].map((s) => s.host))];
  }

  seriesOf(host: string): GpuSeries[] {
    return [...this.series.values()].filter((s) => s.host === host).sort((a, b) => a.index - b.index);
  }

  load(history: GpuHistory[]): void {
    for (const h of history) {
      const key = `${h.host}/${h.uuid}`;
      const existing = this.series.get(key);
      // Points pushed while the history request was in flight are newer than its answer: keep them after it.
      const lastLoaded = h.points.at(-1)?.at ?? -Infinity;
      const newer = existing ? existing.points.filter((p) => p.at > lastLoaded) : [];
      this.series.set(key, { host: h.host, uuid: h.uuid, index: h.index, name: existing?.name ?? null, points: [...h.points, ...newer].slice(-MAX_POINTS) });
    }
  }

  append(status: GpuHostStatus): void {
    const snap = status.snapshot;
    if (!snap || status.poller.state !== 'ok') return;
    for (const gpu of snap.gpus) {
      const uuid = gpu.uuid ?? `index-${gpu.index}`;
      const key = `${status.host}/${uuid}`;
      let s = this.series.get(key);
      if (!s) {
        s = { host: status.host, uuid, index: gpu.index, name: gpu.name, points: [] };
        this.series.set(key, s);
      }
      s.name ??= gpu.name;
      if (s.points.at(-1)?.at === snap.at) continue;
      s.points.push({
        at: snap.at,
        utilizationGpuPercent: gpu.utilizationGpuPercent,
        memoryUsedMiB: gpu.memoryUsedMiB,
        temperatureC: gpu.temperatureC,
        powerDrawW: gpu.powerDrawW,
      });
      if (s.points.length > MAX_POINTS) s.points.splice(0, s.points.length - MAX_POINTS);
    }
  }
}
