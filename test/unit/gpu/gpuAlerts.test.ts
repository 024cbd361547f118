import { describe, expect, it } from 'vitest';
import { GpuAlerts } from '../../../src-main/core/gpu/gpuAlerts.ts';
import { parseNvidiaSmiXml } from '../../../src-main/core/gpu/parseNvidiaSmi.ts';
import { readCapture } from './support/fixtures.ts';
import { RecordingAlertSink } from './support/recordingAlertSink.ts';
import { gpuAt, gpuInfo, snapshot } from './support/snapshots.ts';

function setup(host = 'local') {
  const sink = new RecordingAlertSink();
  return { sink, alerts: new GpuAlerts({ host, sink }) };
}

describe('GPU temperature alert', () => {
  it('is raised, critical, when a GPU is within 5 C of its slowdown threshold, saying how close', () => {
    const { sink, alerts } = setup();
    alerts.onSnapshot(snapshot([gpuAt(86)]));
    expect(sink.raised).toEqual([
      {
        key: 'gpu:local:GPU-aaaa:temp',
        severity: 'critical',
        source: 'gpu',
        message: 'GPU 0 (NVIDIA A100) on local is at 86 C, 4 C below its slowdown threshold of 90 C. Check its fans and airflow, or lower its load or power limit.',
      },
    ]);
  });

  it('is not raised 6 C or more below the threshold', () => {
    const { sink, alerts } = setup();
    alerts.onSnapshot(snapshot([gpuAt(84)]));
    expect(sink.raised).toEqual([]);
  });

  it('is raised at exactly 5 C below', () => {
    const { sink, alerts } = setup();
    alerts.onSnapshot(snapshot([gpuAt(85)]));
    expect(sink.active.has('gpu:local:GPU-aaaa:temp')).toBe(true);
  });

  it('says when the GPU is already past its threshold', () => {
    const { sink, alerts } = setup();
    alerts.onSnapshot(snapshot([gpuAt(92)]));
    expect(sink.raised[0]?.message).toMatch(/^GPU 0 \(NVIDIA A100\) on local is at 92 C, 2 C above its slowdown threshold of 90 C\./);
  });

  it('is raised once while the GPU stays hot, not once per poll', () => {
    const { sink, alerts } = setup();
    for (const t of [86, 87, 88, 87, 86]) alerts.onSnapshot(snapshot([gpuAt(t)]));
    expect(sink.raised).toHaveLength(1);
    expect(sink.cleared).toEqual([]);
  });

  it('is cleared once the GPU has cooled a little below the alert line, not while it hovers on it', () => {
    const { sink, alerts } = setup();
    alerts.onSnapshot(snapshot([gpuAt(86)]));
    alerts.onSnapshot(snapshot([gpuAt(84)]));
    alerts.onSnapshot(snapshot([gpuAt(85)]));
    alerts.onSnapshot(snapshot([gpuAt(83)]));
    expect(sink.raised).toHaveLength(1);
    expect(sink.cleared).toEqual([]);
    alerts.onSnapshot(snapshot([gpuAt(82)]));
    expect(sink.cleared).toEqual(['gpu:local:GPU-aaaa:temp']);
    expect(sink.active.size).toBe(0);
  });

  it('works from the T.Limit headroom on GPUs that report no absolute threshold', () => {
    const { sink, alerts } = setup();
    alerts.onSnapshot(snapshot([gpuInfo({ temperatureC: 84, temperatureSlowdownC: null, temperatureSlowdownHeadroomC: 3 })]));
    expect(sink.raised[0]?.message).toMatch(/^GPU 0 \(NVIDIA A100\) on local is at 84 C, 3 C below the temperature where it starts slowing down\./);
  });

  it('is not raised when the GPU reports no temperature or no threshold', () => {
    const { sink, alerts } = setup();
    alerts.onSnapshot(snapshot([gpuInfo({ temperatureC: null, temperatureSlowdownHeadroomC: null })]));
    alerts.onSnapshot(snapshot([gpuInfo({ temperatureC: 99, temperatureSlowdownC: null, temperatureSlowdownHeadroomC: null })]));
    expect(sink.raised).toEqual([]);
  });

  it('is raised for the right GPU of several, keyed by its UUID and host', () => {
    const { sink, alerts } = setup('node-2');
    alerts.onSnapshot(snapshot([gpuAt(50, { uuid: 'GPU-cool' }), gpuAt(88, { uuid: 'GPU-hot', index: 1, name: 'Tesla V100' })], 0, 'node-2'));
    expect(sink.raised.map((a) => [a.key, a.message.split(' is at')[0]])).toEqual([['gpu:node-2:GPU-hot:temp', 'GPU 1 (Tesla V100) on node-2']]);
  });
});

describe('GPU memory alert', () => {
  it('is raised, as a warning, at 95% of memory in use, with the numbers', () => {
    const { sink, alerts } = setup();
    alerts.onSnapshot(snapshot([gpuInfo({ memoryUsedMiB: 77_824, memoryTotalMiB: 81_920 })]));
    expect(sink.raised).toEqual([
      {
        key: 'gpu:local:GPU-aaaa:memory',
        severity: 'warning',
        source: 'gpu',
        message: 'GPU 0 (NVIDIA A100) on local has 77824 of 81920 MiB of memory in use (95%). New model loads or larger batches on it may fail with out-of-memory.',
      },
    ]);
  });

  it('is not raised below 95%', () => {
    const { sink, alerts } = setup();
    alerts.onSnapshot(snapshot([gpuInfo({ memoryUsedMiB: 77_000, memoryTotalMiB: 81_920 })]));
    expect(sink.raised).toEqual([]);
  });

  it('is cleared when memory is freed, once and for good', () => {
    const { sink, alerts } = setup();
    alerts.onSnapshot(snapshot([gpuInfo({ memoryUsedMiB: 31_689, memoryTotalMiB: 32_510 })]));
    alerts.onSnapshot(snapshot([gpuInfo({ memoryUsedMiB: 31_000, memoryTotalMiB: 32_510 })])); // 95.4%: still up
    alerts.onSnapshot(snapshot([gpuInfo({ memoryUsedMiB: 1_000, memoryTotalMiB: 32_510 })]));
    alerts.onSnapshot(snapshot([gpuInfo({ memoryUsedMiB: 1_000, memoryTotalMiB: 32_510 })]));
    expect(sink.raised).toHaveLength(1);
    expect(sink.cleared).toEqual(['gpu:local:GPU-aaaa:memory']);
  });

  it('is not raised when memory is not reported', () => {
    const { sink, alerts } = setup();
    alerts.onSnapshot(snapshot([gpuInfo({ memoryUsedMiB: null, memoryTotalMiB: null })]));
    expect(sink.raised).toEqual([]);
  });

  it('fires for the nearly full GPUs of the 8-GPU capture and no others', () => {
    const { sink, alerts } = setup();
    alerts.onSnapshot(parseNvidiaSmiXml(readCapture('datakit__gtx-8card.xml'), 'local', 0));
    // By hand from the XML: GPU 0 31689/32510, GPU 3 32099/32510, GPU 5 32141/32510, GPU 6 32157/32510
    // are at 95% or more; the others are at about 91%.
    expect(sink.raised.filter((a) => a.key.endsWith(':memory')).map((a) => a.message.split(' on ')[0])).toEqual([
      'GPU 0 (Tesla V100S-PCIE-32GB)',
      'GPU 3 (Tesla V100S-PCIE-32GB)',
      'GPU 5 (Tesla V100S-PCIE-32GB)',
      'GPU 6 (Tesla V100S-PCIE-32GB)',
    ]);
    expect(sink.raised.filter((a) => a.key.endsWith(':temp'))).toEqual([]);
  });
});

describe('GPU disappearance alert', () => {
  const a = gpuInfo({ uuid: 'GPU-a', index: 0 });
  const b = gpuInfo({ uuid: 'GPU-b', index: 1, name: 'Tesla V100', pciBusId: '00000000:02:00.0' });

  it('is raised, critical, when a GPU seen before is no longer reported', () => {
    const { sink, alerts } = setup();
    alerts.onSnapshot(snapshot([a, b]));
    alerts.onSnapshot(snapshot([a]));
    expect(sink.raised).toEqual([
      {
        key: 'gpu:local:GPU-b:missing',
        severity: 'critical',
        source: 'gpu',
        message:
          'GPU 1 (Tesla V100) [GPU-b] on local is no longer reported by nvidia-smi; it may have fallen off the bus. ' +
          'Check the kernel log (dmesg) for Xid errors; a reboot is usually needed to get it back.',
      },
    ]);
  });

  it('stays up, once, while the GPU stays gone, and clears when it comes back', () => {
    const { sink, alerts } = setup();
    alerts.onSnapshot(snapshot([a, b]));
    alerts.onSnapshot(snapshot([a]));
    alerts.onSnapshot(snapshot([a]));
    alerts.onSnapshot(snapshot([a]));
    expect(sink.raisedWithKey('gpu:local:GPU-b:missing')).toHaveLength(1);
    expect(sink.cleared).toEqual([]);
    alerts.onSnapshot(snapshot([a, b]));
    expect(sink.cleared).toEqual(['gpu:local:GPU-b:missing']);
  });

  it('is raised for the GPU that left, not for the one whose index shifted down', () => {
    const { sink, alerts } = setup();
    alerts.onSnapshot(snapshot([a, b]));
    alerts.onSnapshot(snapshot([{ ...b, index: 0 }]));
    expect([...sink.active.keys()]).toEqual(['gpu:local:GPU-a:missing']);
  });

  it('replaces the temperature and memory alerts of the GPU that left', () => {
    const { sink, alerts } = setup();
    alerts.onSnapshot(snapshot([a, { ...b, temperatureC: 88, temperatureSlowdownHeadroomC: 2, memoryUsedMiB: 81_000 }]));
    expect([...sink.active.keys()].sort()).toEqual(['gpu:local:GPU-b:memory', 'gpu:local:GPU-b:temp']);
    alerts.onSnapshot(snapshot([a]));
    expect([...sink.active.keys()]).toEqual(['gpu:local:GPU-b:missing']);
  });

  it('is not raised on the first snapshot', () => {
    const { sink, alerts } = setup();
    alerts.onSnapshot(snapshot([a]));
    expect(sink.raised).toEqual([]);
  });
});

describe('nvidia-smi failure alert', () => {
  it('is raised once, critical, while nvidia-smi keeps failing, and cleared when it answers', () => {
    const { sink, alerts } = setup();
    const failing = { state: 'failing' as const, message: 'nvidia-smi -q -x exited with code 9: NVIDIA-SMI has failed', since: 1 };
    alerts.onPollerState(failing);
    alerts.onPollerState(failing);
    alerts.onPollerState({ ...failing, message: 'nvidia-smi -q -x did not answer within 20 s and was stopped' });
    expect(sink.raised).toEqual([
      {
        key: 'gpu:local:nvidia-smi',
        severity: 'critical',
        source: 'gpu',
        message:
          'GPU telemetry on local has stopped: nvidia-smi -q -x exited with code 9: NVIDIA-SMI has failed. ' +
          'Temperature and memory alerts for its GPUs are paused until nvidia-smi answers again.',
      },
    ]);
    alerts.onPollerState({ state: 'ok' });
    expect(sink.cleared).toEqual(['gpu:local:nvidia-smi']);
  });

  it('is not raised for a host that simply has no NVIDIA GPU', () => {
    const { sink, alerts } = setup();
    alerts.onPollerState({ state: 'no-gpu', message: 'no NVIDIA GPU found (nvidia-smi not on PATH)' });
    expect(sink.raised).toEqual([]);
  });
});

describe('stopping the alerts of a host', () => {
  it('clears every alert it raised', () => {
    const { sink, alerts } = setup();
    alerts.onPollerState({ state: 'failing', message: 'x', since: 0 });
    alerts.onSnapshot(snapshot([gpuAt(89, { memoryUsedMiB: 81_000 })]));
    expect(sink.active.size).toBe(3);
    alerts.clearAll();
    expect(sink.active.size).toBe(0);
  });
});
