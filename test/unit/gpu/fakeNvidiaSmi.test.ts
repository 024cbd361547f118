/**
 * The poller against the fake nvidia-smi script, through the real local command runner: real child
 * processes, real pipes, real timeouts. The mode file is flipped while the poller runs.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GpuHostStatus } from '../../../shared/gpu.ts';
import { localCommandRunner } from '../../../src-main/core/gpu/commandRunner.ts';
import { GpuMonitor } from '../../../src-main/core/gpu/gpuMonitor.ts';
import { GpuPoller, NO_GPU_MESSAGE } from '../../../src-main/core/gpu/gpuPoller.ts';
import { capturePath, FAKE_NVIDIA_SMI, FAKE_NVIDIA_SMI_DIR } from './support/fixtures.ts';
import { RecordingAlertSink } from './support/recordingAlertSink.ts';

const scratch = mkdtempSync(join(tmpdir(), 'batchdeck-fake-smi-'));
const modeFile = join(scratch, 'mode');
const logFile = join(scratch, 'calls.log');
const FAKE_ENV = ['FAKE_NVIDIA_SMI_XML', 'FAKE_NVIDIA_SMI_MODE_FILE', 'FAKE_NVIDIA_SMI_DELAY', 'FAKE_NVIDIA_SMI_LOG', 'PATH'] as const;
const savedEnv = Object.fromEntries(FAKE_ENV.map((name) => [name, process.env[name]]));
const WAIT = { timeout: 15_000, interval: 20 };

function setMode(mode: 'ok' | 'fail' | 'hang' | 'garbage'): void {
  writeFileSync(modeFile, `${mode}\n`);
}

function calls(): string[] {
  try {
    return readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

let stopAll: (() => void)[] = [];

beforeEach(() => {
  process.env.FAKE_NVIDIA_SMI_XML = capturePath('datakit__gtx-8card.xml');
  process.env.FAKE_NVIDIA_SMI_MODE_FILE = modeFile;
  process.env.FAKE_NVIDIA_SMI_LOG = logFile;
  delete process.env.FAKE_NVIDIA_SMI_DELAY;
  writeFileSync(logFile, '');
  setMode('ok');
});

afterEach(() => {
  for (const stop of stopAll) stop();
  stopAll = [];
  for (const name of FAKE_ENV) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function monitor(options: { timeoutMs?: number; command?: string } = {}) {
  const statuses: GpuHostStatus[] = [];
  const sink = new RecordingAlertSink();
  const m = new GpuMonitor({
    host: 'local',
    runner: localCommandRunner,
    alerts: sink,
    intervalMs: 50,
    onStatus: (s) => statuses.push(s),
    poller: { command: options.command ?? FAKE_NVIDIA_SMI, maxBackoffMs: 100, timeoutMs: options.timeoutMs ?? 10_000, noGpuRecheckMs: 100 },
  });
  stopAll.push(() => m.stop());
  return { m, statuses, sink };
}

describe('polling the fake nvidia-smi', () => {
  it('shows the values of the captured GPUs', async () => {
    const { m } = monitor();
    m.start();
    await vi.waitFor(() => expect(m.status().poller.state).toBe('ok'), WAIT);
    const snapshot = m.status().snapshot;
    expect(snapshot?.driverVersion).toBe('460.73.01');
    expect(snapshot?.gpus).toHaveLength(8);
    // By hand from datakit__gtx-8card.xml, GPU 0.
    expect(snapshot?.gpus[0]).toMatchObject({ uuid: 'GPU-76098dc1-d3bc-9a1b-7ea6-f7b48837829e', memoryUsedMiB: 31689, temperatureC: 66, powerDrawW: 232.8 });
    await vi.waitFor(() => expect(m.history()[0]?.points.length).toBeGreaterThanOrEqual(2), WAIT);
  });

  it('finds the fake as `nvidia-smi` when its folder is first on PATH', async () => {
    process.env.PATH = `${FAKE_NVIDIA_SMI_DIR}:${process.env.PATH ?? ''}`;
    const { m } = monitor({ command: 'nvidia-smi' });
    m.start();
    await vi.waitFor(() => expect(m.status().snapshot?.gpus).toHaveLength(8), WAIT);
  });

  it('reports a failing nvidia-smi once, with one alert, then recovers and clears it', async () => {
    setMode('fail');
    const { m, statuses, sink } = monitor();
    m.start();
    await vi.waitFor(() => expect(m.status().poller.state).toBe('failing'), WAIT);
    const callsWhenReported = calls().length;
    await vi.waitFor(() => expect(calls().length).toBeGreaterThanOrEqual(callsWhenReported + 6), WAIT);
    expect(statuses.filter((s) => s.poller.state === 'failing')).toHaveLength(1);
    expect(m.status().poller).toMatchObject({
      message: `${FAKE_NVIDIA_SMI} -q -x exited with code 9: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.`,
    });
    expect(sink.raisedWithKey('gpu:local:nvidia-smi')).toHaveLength(1);

    setMode('ok');
    await vi.waitFor(() => expect(m.status().poller.state).toBe('ok'), WAIT);
    expect(m.status().snapshot?.gpus).toHaveLength(8);
    expect(sink.active.has('gpu:local:nvidia-smi')).toBe(false);
    expect(sink.cleared).toContain('gpu:local:nvidia-smi');
  });

  it('reports a hung nvidia-smi as timed out, and recovers when it answers again', async () => {
    setMode('hang');
    const { m, sink } = monitor({ timeoutMs: 500 });
    m.start();
    await vi.waitFor(() => expect(m.status().poller.state).toBe('failing'), WAIT);
    expect(m.status().poller).toMatchObject({ message: expect.stringContaining('-q -x did not answer within 0.5 s and was stopped') });
    expect(sink.raisedWithKey('gpu:local:nvidia-smi')).toHaveLength(1);
    setMode('ok');
    await vi.waitFor(() => expect(m.status().poller.state).toBe('ok'), WAIT);
  });

  it('reports output that is not XML', async () => {
    setMode('garbage');
    const { m } = monitor();
    m.start();
    await vi.waitFor(() => expect(m.status().poller).toMatchObject({ state: 'failing', message: expect.stringContaining('printed output that could not be read (not nvidia-smi XML') }), WAIT);
  });

  it('says no NVIDIA GPU was found when there is no nvidia-smi, without raising an alert', async () => {
    process.env.PATH = scratch;
    const { m, statuses, sink } = monitor({ command: 'nvidia-smi' });
    m.start();
    await vi.waitFor(() => expect(m.status().poller).toEqual({ state: 'no-gpu', message: NO_GPU_MESSAGE }), WAIT);
    expect(m.status().snapshot).toBeNull();
    // It keeps looking (every 100 ms here) without reporting the same state again.
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(statuses).toHaveLength(1);
    expect(sink.raised).toEqual([]);
  });

  it('never runs two nvidia-smi at once, even when each call outlasts the interval', async () => {
    process.env.FAKE_NVIDIA_SMI_DELAY = '0.15';
    const poller = new GpuPoller({ host: 'local', runner: localCommandRunner, command: FAKE_NVIDIA_SMI, intervalMs: 5 });
    stopAll.push(() => poller.stop());
    poller.start();
    await vi.waitFor(() => expect(calls().length).toBeGreaterThanOrEqual(10), WAIT);
    poller.stop();
    const log = calls();
    // Every call ends before the next one starts: the log alternates start, end, start, end.
    const complete = log.length - (log.length % 2);
    for (let i = 0; i < complete; i += 2) {
      expect(log[i]).toMatch(/^start \d+$/);
      expect(log[i + 1]).toBe(log[i]?.replace('start', 'end'));
    }
  });
});
