import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GpuHostStatus } from '../../../shared/gpu.ts';
import { GpuMonitor } from '../../../src-main/core/gpu/gpuMonitor.ts';
import { readCapture } from './support/fixtures.ts';
import { RecordingAlertSink } from './support/recordingAlertSink.ts';
import { ok, ScriptedRunner } from './support/scriptedRunner.ts';

const TWO_P100 = readCapture('tony__nvidia-smi-sample-xml-output.xml');
// The same capture with its second GPU (GPU-46915a82...) cut out, as if it fell off the bus.
const ONE_P100 = TWO_P100.slice(0, TWO_P100.lastIndexOf('<gpu id=')) + '</nvidia_smi_log>\n';
const EIGHT_V100S = readCapture('datakit__gtx-8card.xml');

let statuses: GpuHostStatus[];
let sink: RecordingAlertSink;

function monitor(runner: ScriptedRunner, intervalMs = 2000): GpuMonitor {
  return new GpuMonitor({ host: 'local', runner, alerts: sink, intervalMs, onStatus: (s) => statuses.push(s), poller: { maxBackoffMs: 10_000 } });
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(0);
  statuses = [];
  sink = new RecordingAlertSink();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('GPU monitor of one host', () => {
  it('shows the GPUs, charts them, and passes every status on', async () => {
    const m = monitor(new ScriptedRunner(ok(TWO_P100)));
    m.start();
    await vi.advanceTimersByTimeAsync(4000);
    expect(m.status()).toMatchObject({ host: 'local', poller: { state: 'ok' } });
    expect(m.status().snapshot?.gpus).toHaveLength(2);
    expect(statuses).toHaveLength(3);
    expect(m.history().map((h) => [h.uuid, h.points.map((p) => p.at)])).toEqual([
      ['GPU-28604e81-21ec-cc48-6759-bf2648b22e16', [0, 2000, 4000]],
      ['GPU-46915a82-3fd2-8e11-ae26-a80b607c04f3', [0, 2000, 4000]],
    ]);
    m.stop();
  });

  it('raises alerts from what it sees: the nearly full GPUs of an 8-GPU host', async () => {
    const m = monitor(new ScriptedRunner(ok(EIGHT_V100S)));
    m.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect([...sink.active.keys()].sort()).toEqual([
      'gpu:local:GPU-3181eb56-505c-8214-ba05-c132f68f89b8:memory',
      'gpu:local:GPU-39c3a168-9034-0b5a-223a-1042f30a9242:memory',
      'gpu:local:GPU-76098dc1-d3bc-9a1b-7ea6-f7b48837829e:memory',
      'gpu:local:GPU-d2446f91-171e-1b54-515d-9d9b03484ddf:memory',
    ]);
    expect(sink.raised).toHaveLength(4);
    m.stop();
  });

  it('raises one critical alert when a GPU drops out, and clears it when the GPU is back', async () => {
    const runner = new ScriptedRunner(ok(TWO_P100));
    const m = monitor(runner);
    m.start();
    await vi.advanceTimersByTimeAsync(0);
    runner.always(ok(ONE_P100));
    await vi.advanceTimersByTimeAsync(6000);
    const key = 'gpu:local:GPU-46915a82-3fd2-8e11-ae26-a80b607c04f3:missing';
    expect(sink.raisedWithKey(key)).toEqual([expect.objectContaining({ severity: 'critical', message: expect.stringMatching(/^GPU 1 \(Tesla P100-PCIE-12GB\) \[GPU-46915a82-3fd2-8e11-ae26-a80b607c04f3\] on local is no longer reported/) })]);
    runner.always(ok(TWO_P100));
    await vi.advanceTimersByTimeAsync(2000);
    expect(sink.active.has(key)).toBe(false);
    m.stop();
  });

  it('raises one alert while nvidia-smi fails, shows no stale GPUs meanwhile, and clears it on recovery', async () => {
    const runner = new ScriptedRunner(ok(TWO_P100));
    const m = monitor(runner);
    m.start();
    await vi.advanceTimersByTimeAsync(0);
    runner.always({ stdout: '', stderr: 'Unable to determine the device handle for GPU0000:82:00.0: Unknown Error', exitCode: 15 });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(m.status().poller).toMatchObject({ state: 'failing', message: expect.stringContaining('exited with code 15: Unable to determine the device handle') });
    expect(m.status().snapshot).toBeNull();
    expect(sink.raisedWithKey('gpu:local:nvidia-smi')).toHaveLength(1);
    runner.always(ok(TWO_P100));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(m.status().poller).toEqual({ state: 'ok' });
    expect(sink.active.size).toBe(0);
    m.stop();
  });

  it('polls at a new interval set while running', async () => {
    const runner = new ScriptedRunner(ok(TWO_P100));
    const m = monitor(runner, 2000);
    m.start();
    await vi.advanceTimersByTimeAsync(0);
    m.setIntervalMs(500);
    await vi.advanceTimersByTimeAsync(2000);
    expect(runner.calls).toHaveLength(5);
    m.stop();
  });

  it('stops polling when stopped, and clears the alerts nothing will update any more', async () => {
    const runner = new ScriptedRunner(ok(EIGHT_V100S));
    const m = monitor(runner);
    m.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.active.size).toBe(4);
    m.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runner.calls).toHaveLength(1);
    expect(sink.active.size).toBe(0);
    expect(m.history()).toHaveLength(8);
  });

  it('shows a host without nvidia-smi as having no NVIDIA GPU, with no alert', async () => {
    const m = monitor(new ScriptedRunner({ error: 'ENOENT' }));
    m.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(m.status()).toEqual({ host: 'local', poller: { state: 'no-gpu', message: 'no NVIDIA GPU found (nvidia-smi not on PATH)' }, snapshot: null });
    expect(sink.raised).toEqual([]);
    expect(m.history()).toEqual([]);
    m.stop();
  });
});
