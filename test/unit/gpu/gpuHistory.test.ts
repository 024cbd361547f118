import { describe, expect, it } from 'vitest';
import { GpuHistoryStore, historyCapacity } from '../../../src-main/core/gpu/gpuHistory.ts';
import { gpuInfo, snapshot } from './support/snapshots.ts';

describe('GPU history', () => {
  it('holds an hour of points at the poll interval', () => {
    expect(historyCapacity(2000)).toBe(1800);
    expect(historyCapacity(1000)).toBe(3600);
    expect(historyCapacity(7000)).toBe(515); // ceil(3600 / 7)
    expect(new GpuHistoryStore({ intervalMs: 2000 }).pointsPerGpu).toBe(1800);
  });

  it('charts each GPU from its own readings, oldest first', () => {
    const store = new GpuHistoryStore({ intervalMs: 1000 });
    store.record(snapshot([gpuInfo({ uuid: 'GPU-a', index: 0, temperatureC: 50 }), gpuInfo({ uuid: 'GPU-b', index: 1, temperatureC: 70 })], 1000));
    store.record(snapshot([gpuInfo({ uuid: 'GPU-a', index: 0, temperatureC: 51 }), gpuInfo({ uuid: 'GPU-b', index: 1, temperatureC: 71 })], 2000));
    expect(store.history()).toEqual([
      {
        host: 'local',
        uuid: 'GPU-a',
        index: 0,
        points: [
          { at: 1000, utilizationGpuPercent: 50, memoryUsedMiB: 1000, temperatureC: 50, powerDrawW: 200 },
          { at: 2000, utilizationGpuPercent: 50, memoryUsedMiB: 1000, temperatureC: 51, powerDrawW: 200 },
        ],
      },
      {
        host: 'local',
        uuid: 'GPU-b',
        index: 1,
        points: [
          { at: 1000, utilizationGpuPercent: 50, memoryUsedMiB: 1000, temperatureC: 70, powerDrawW: 200 },
          { at: 2000, utilizationGpuPercent: 50, memoryUsedMiB: 1000, temperatureC: 71, powerDrawW: 200 },
        ],
      },
    ]);
  });

  it('keeps only the last hour', () => {
    const store = new GpuHistoryStore({ intervalMs: 60_000 });
    for (let minute = 0; minute < 90; minute += 1) store.record(snapshot([gpuInfo()], minute * 60_000));
    const points = store.history()[0]?.points ?? [];
    expect(points).toHaveLength(60);
    expect(points[0]?.at).toBe(30 * 60_000);
    expect(points.at(-1)?.at).toBe(89 * 60_000);
  });

  it('follows a GPU by UUID when its index changes', () => {
    const store = new GpuHistoryStore({ intervalMs: 1000 });
    store.record(snapshot([gpuInfo({ uuid: 'GPU-a', index: 0 }), gpuInfo({ uuid: 'GPU-b', index: 1 })], 1000));
    store.record(snapshot([gpuInfo({ uuid: 'GPU-b', index: 0 })], 2000));
    const history = store.history();
    expect(history.map((h) => [h.uuid, h.index, h.points.map((p) => p.at)])).toEqual([
      ['GPU-a', 0, [1000]],
      ['GPU-b', 0, [1000, 2000]],
    ]);
  });

  it('keeps the charts of several hosts apart, and gives one host when asked', () => {
    const store = new GpuHistoryStore({ intervalMs: 1000 });
    store.record(snapshot([gpuInfo({ uuid: 'GPU-a' })], 1000, 'node-2'));
    store.record(snapshot([gpuInfo({ uuid: 'GPU-a' })], 1000, 'local'));
    expect(store.history().map((h) => h.host)).toEqual(['local', 'node-2']);
    expect(store.history('node-2').map((h) => h.host)).toEqual(['node-2']);
    expect(store.history('elsewhere')).toEqual([]);
  });

  it('keeps two GPUs apart even when a redacted capture gives them the same UUID', () => {
    const store = new GpuHistoryStore({ intervalMs: 1000 });
    store.record(snapshot([gpuInfo({ uuid: 'GPU-same', index: 0, pciBusId: '00000000:01:00.0' }), gpuInfo({ uuid: 'GPU-same', index: 1, pciBusId: '00000000:02:00.0' })], 1000));
    expect(store.history().map((h) => h.uuid)).toEqual(['GPU-same@00000000:01:00.0', 'GPU-same@00000000:02:00.0']);
  });

  it('shows missing readings as gaps, not zeros', () => {
    const store = new GpuHistoryStore({ intervalMs: 1000 });
    store.record(snapshot([gpuInfo({ powerDrawW: null, utilizationGpuPercent: null })], 1000));
    expect(store.history()[0]?.points[0]).toMatchObject({ powerDrawW: null, utilizationGpuPercent: null });
  });

  it('keeps the newest points still fitting the hour when the interval changes', () => {
    const store = new GpuHistoryStore({ intervalMs: 60_000 });
    for (let minute = 0; minute < 60; minute += 1) store.record(snapshot([gpuInfo()], minute * 60_000));
    store.setIntervalMs(120_000);
    expect(store.pointsPerGpu).toBe(30);
    const points = store.history()[0]?.points ?? [];
    expect(points).toHaveLength(30);
    expect(points.at(-1)?.at).toBe(59 * 60_000);
  });

  it('forgets a GPU that has been gone for more than the hour', () => {
    const store = new GpuHistoryStore({ intervalMs: 60_000 });
    store.record(snapshot([gpuInfo({ uuid: 'GPU-a' }), gpuInfo({ uuid: 'GPU-b', index: 1 })], 0));
    store.record(snapshot([gpuInfo({ uuid: 'GPU-a' })], 30 * 60_000));
    expect(store.history()).toHaveLength(2);
    store.record(snapshot([gpuInfo({ uuid: 'GPU-a' })], 61 * 60_000));
    expect(store.history().map((h) => h.uuid)).toEqual(['GPU-a']);
  });
});
