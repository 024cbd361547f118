import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GpuHostStatus } from '../../../shared/gpu.ts';
import { GpuPoller, NO_DEVICES_MESSAGE, NO_GPU_MESSAGE, type GpuPollerOptions } from '../../../src-main/core/gpu/gpuPoller.ts';
import { readCapture } from './support/fixtures.ts';
import { ok, ScriptedRunner, type Reply } from './support/scriptedRunner.ts';

const TWO_P100 = readCapture('tony__nvidia-smi-sample-xml-output.xml');
const DRIVER_GONE: Reply = {
  stdout: '',
  stderr: "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n",
  exitCode: 9,
};

let statuses: GpuHostStatus[];

function poller(runner: ScriptedRunner, options: Partial<GpuPollerOptions> = {}): GpuPoller {
  return new GpuPoller({ host: 'local', runner, onStatus: (s) => statuses.push(s), ...options });
}

/** Lets time pass, running due timers and the promise callbacks they lead to. */
async function wait(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

beforeEach(() => {
  vi.useFakeTimers();
  statuses = [];
});

afterEach(() => {
  vi.useRealTimers();
});

describe('GPU poller', () => {
  it('shows the GPUs as soon as it starts, then polls again every interval', async () => {
    const runner = new ScriptedRunner(ok(TWO_P100));
    const p = poller(runner, { intervalMs: 2000 });
    expect(p.status()).toEqual({ host: 'local', poller: { state: 'starting' }, snapshot: null });
    p.start();
    await wait(0);
    expect(runner.calls).toHaveLength(1);
    expect(runner.calls[0]).toMatchObject({ file: 'nvidia-smi', args: ['-q', '-x'] });
    expect(p.status().poller).toEqual({ state: 'ok' });
    expect(p.status().snapshot?.gpus.map((g) => g.uuid)).toEqual(['GPU-28604e81-21ec-cc48-6759-bf2648b22e16', 'GPU-46915a82-3fd2-8e11-ae26-a80b607c04f3']);
    await wait(1999);
    expect(runner.calls).toHaveLength(1);
    await wait(1);
    expect(runner.calls).toHaveLength(2);
    p.stop();
  });

  it('reports every new snapshot to its listener, each stamped with the time of its poll', async () => {
    vi.setSystemTime(1_000_000);
    const runner = new ScriptedRunner(ok(TWO_P100));
    const p = poller(runner, { intervalMs: 1000 });
    p.start();
    await wait(3000);
    p.stop();
    expect(statuses.map((s) => [s.poller.state, s.snapshot?.at])).toEqual([
      ['ok', 1_000_000],
      ['ok', 1_001_000],
      ['ok', 1_002_000],
      ['ok', 1_003_000],
    ]);
  });

  it('never runs two nvidia-smi at once, even when each takes longer than the interval', async () => {
    const runner = new ScriptedRunner(ok(TWO_P100, 5000));
    const p = poller(runner, { intervalMs: 1000 });
    p.start();
    await wait(60_000);
    p.stop();
    expect(runner.maxConcurrent).toBe(1);
    // Each cycle is the 5 s call plus the 1 s wait after it: calls at 0, 6, 12 ... 60 s.
    expect(runner.calls).toHaveLength(11);
  });

  it('applies a new interval to the wait already under way', async () => {
    const runner = new ScriptedRunner(ok(TWO_P100));
    const p = poller(runner, { intervalMs: 10_000 });
    p.start();
    await wait(1000);
    expect(runner.calls).toHaveLength(1);
    p.setIntervalMs(3000);
    await wait(1999);
    expect(runner.calls).toHaveLength(1);
    await wait(1);
    expect(runner.calls).toHaveLength(2);
    await wait(3000);
    expect(runner.calls).toHaveLength(3);
    expect(p.intervalMs).toBe(3000);
    p.stop();
  });

  it('still polls at once when the interval is changed just after starting', async () => {
    const runner = new ScriptedRunner(ok(TWO_P100));
    const p = poller(runner, { intervalMs: 2000 });
    p.start();
    p.setIntervalMs(60_000);
    await wait(0);
    expect(runner.calls).toHaveLength(1);
    p.stop();
  });

  it('keeps backing off a failing nvidia-smi when the interval changes', async () => {
    const runner = new ScriptedRunner(DRIVER_GONE);
    const p = poller(runner, { intervalMs: 2000 });
    p.start();
    await wait(2000); // calls at 0 and 2 s; the next retry is due 4 s later
    expect(runner.calls).toHaveLength(2);
    p.setIntervalMs(100);
    await wait(3999);
    expect(runner.calls).toHaveLength(2);
    await wait(1);
    expect(runner.calls).toHaveLength(3);
    p.stop();
  });

  it('refuses an interval that is not a positive number of ms', () => {
    const p = poller(new ScriptedRunner(ok(TWO_P100)));
    expect(() => p.setIntervalMs(0)).toThrow(RangeError);
    expect(() => p.setIntervalMs(Number.NaN)).toThrow(RangeError);
    expect(() => poller(new ScriptedRunner(ok(TWO_P100)), { intervalMs: -5 })).toThrow(RangeError);
  });

  describe('on a machine without nvidia-smi', () => {
    it('says no NVIDIA GPU was found, once, and looks again only every minute', async () => {
      const runner = new ScriptedRunner({ error: 'ENOENT' });
      const p = poller(runner, { intervalMs: 2000 });
      p.start();
      await wait(0);
      expect(p.status()).toEqual({ host: 'local', poller: { state: 'no-gpu', message: NO_GPU_MESSAGE }, snapshot: null });
      expect(NO_GPU_MESSAGE).toBe('no NVIDIA GPU found (nvidia-smi not on PATH)');
      await wait(59_999);
      expect(runner.calls).toHaveLength(1);
      await wait(1);
      expect(runner.calls).toHaveLength(2);
      await wait(120_000);
      expect(runner.calls).toHaveLength(4);
      expect(statuses).toHaveLength(1);
      p.stop();
    });

    it('looks again as often as configured', async () => {
      const runner = new ScriptedRunner({ error: 'ENOENT' });
      const p = poller(runner, { noGpuRecheckMs: 5000 });
      p.start();
      await wait(10_000);
      expect(runner.calls).toHaveLength(3);
      p.stop();
    });

    it('starts showing GPUs once nvidia-smi appears', async () => {
      const runner = new ScriptedRunner({ error: 'ENOENT' });
      const p = poller(runner, { noGpuRecheckMs: 5000 });
      p.start();
      await wait(0);
      runner.always(ok(TWO_P100));
      await wait(5000);
      expect(p.status().poller).toEqual({ state: 'ok' });
      expect(p.status().snapshot?.gpus).toHaveLength(2);
      p.stop();
    });
  });

  it('treats nvidia-smi saying "No devices were found" as a host without a GPU, not a failure', async () => {
    const runner = new ScriptedRunner({ stdout: 'No devices were found\n', stderr: '', exitCode: 6 });
    const p = poller(runner);
    p.start();
    await wait(0);
    expect(p.status().poller).toEqual({ state: 'no-gpu', message: NO_DEVICES_MESSAGE });
    p.stop();
  });

  describe('when nvidia-smi fails', () => {
    it('reports the failure once, naming the command, its exit code and what it printed', async () => {
      vi.setSystemTime(5_000);
      const runner = new ScriptedRunner(DRIVER_GONE);
      const p = poller(runner);
      p.start();
      await wait(120_000);
      expect(runner.calls.length).toBeGreaterThan(3);
      expect(statuses).toEqual([
        {
          host: 'local',
          poller: {
            state: 'failing',
            message: "nvidia-smi -q -x exited with code 9: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.",
            since: 5_000,
          },
          snapshot: null,
        },
      ]);
      p.stop();
    });

    it('retries with exponential backoff, capped', async () => {
      const runner = new ScriptedRunner(DRIVER_GONE);
      const callTimes: number[] = [];
      const start = Date.now();
      const timed = { run: (...args: Parameters<ScriptedRunner['run']>) => (callTimes.push(Date.now() - start), runner.run(...args)) };
      const p = new GpuPoller({ host: 'local', runner: timed, intervalMs: 2000, maxBackoffMs: 30_000 });
      p.start();
      await wait(200_000);
      p.stop();
      const gaps = callTimes.slice(1).map((t, i) => t - (callTimes[i] ?? 0));
      expect(gaps.slice(0, 8)).toEqual([2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000, 30_000]);
    });

    it('comes back to ok when nvidia-smi answers again, and polls at the normal interval', async () => {
      const runner = new ScriptedRunner(DRIVER_GONE);
      const p = poller(runner, { intervalMs: 2000 });
      p.start();
      await wait(2000 + 4000 + 8000);
      expect(p.status().poller.state).toBe('failing');
      runner.always(ok(TWO_P100));
      await wait(16_000);
      expect(p.status().poller).toEqual({ state: 'ok' });
      expect(p.status().snapshot?.gpus).toHaveLength(2);
      const calls = runner.calls.length;
      await wait(2000);
      expect(runner.calls).toHaveLength(calls + 1);
      expect(statuses.map((s) => s.poller.state)).toEqual(['failing', 'ok', 'ok']);
      p.stop();
    });

    it('reports a hung nvidia-smi as timed out, after killing it', async () => {
      const runner = new ScriptedRunner({ hang: true });
      const p = poller(runner, { timeoutMs: 5000 });
      p.start();
      await wait(4999);
      expect(p.status().poller.state).toBe('starting');
      await wait(1);
      expect(p.status().poller).toMatchObject({
        state: 'failing',
        message: expect.stringMatching(/^nvidia-smi -q -x did not answer within 5 s and was stopped/),
      });
      expect(runner.calls[0]?.opts.timeoutMs).toBe(5000);
      p.stop();
    });

    it('reports output that is not nvidia-smi XML', async () => {
      const runner = new ScriptedRunner(ok('Segmentation fault <<<'));
      const p = poller(runner);
      p.start();
      await wait(0);
      expect(p.status().poller).toMatchObject({
        state: 'failing',
        message: expect.stringMatching(/^nvidia-smi -q -x printed output that could not be read \(not nvidia-smi XML/),
      });
      p.stop();
    });

    it('says so when nvidia-smi exits with an error and prints nothing', async () => {
      const runner = new ScriptedRunner({ stdout: '', stderr: '', exitCode: 15 });
      const p = poller(runner);
      p.start();
      await wait(0);
      expect(p.status().poller).toMatchObject({ state: 'failing', message: 'nvidia-smi -q -x exited with code 15 and printed nothing' });
      p.stop();
    });

    it('reports a different failure again, keeping the time the trouble began', async () => {
      vi.setSystemTime(10_000);
      const runner = new ScriptedRunner(DRIVER_GONE);
      const p = poller(runner, { intervalMs: 1000, timeoutMs: 3000 });
      p.start();
      await wait(0);
      runner.always({ hang: true });
      await wait(1000 + 3000);
      expect(statuses.map((s) => s.poller)).toEqual([
        { state: 'failing', message: expect.stringContaining('exited with code 9'), since: 10_000 },
        { state: 'failing', message: expect.stringContaining('did not answer within 3 s'), since: 10_000 },
      ]);
      p.stop();
    });
  });

  it('stops polling when stopped, and drops the answer of a call still running', async () => {
    const runner = new ScriptedRunner(ok(TWO_P100, 1000));
    const p = poller(runner);
    p.start();
    await wait(500);
    p.stop();
    await wait(60_000);
    expect(runner.calls).toHaveLength(1);
    expect(runner.running).toBe(0);
    expect(p.status().poller).toEqual({ state: 'starting' });
    expect(statuses).toEqual([]);
  });

  it('polls again when started after a stop, even while the stopped call winds down', async () => {
    const runner = new ScriptedRunner(ok(TWO_P100, 1000));
    const p = poller(runner, { intervalMs: 2000 });
    p.start();
    await wait(500);
    p.stop();
    p.start();
    await wait(1000);
    expect(p.status().poller).toEqual({ state: 'ok' });
    expect(runner.maxConcurrent).toBe(1);
    p.stop();
  });

  it('keeps polling when its listener throws', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const runner = new ScriptedRunner(ok(TWO_P100));
    const p = new GpuPoller({ host: 'local', runner, intervalMs: 1000, onStatus: () => { throw new Error('window closed'); } });
    p.start();
    await wait(3000);
    p.stop();
    expect(runner.calls).toHaveLength(4);
    expect(errors).toHaveBeenCalled();
    errors.mockRestore();
  });

  it('runs the nvidia-smi it is told to', async () => {
    const runner = new ScriptedRunner(ok(TWO_P100));
    const p = poller(runner, { command: '/usr/local/bin/nvidia-smi' });
    p.start();
    await wait(0);
    expect(runner.calls[0]?.file).toBe('/usr/local/bin/nvidia-smi');
    p.stop();
  });
});
