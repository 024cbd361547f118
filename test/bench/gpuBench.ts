/**
 * GPU telemetry costs: parsing the largest capture (8 GPUs) and the poller's own CPU use at a 1 s
 * interval against the fake nvidia-smi. Returns rows; judging them is up to the reader.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { localCommandRunner } from '../../src-main/core/gpu/commandRunner.ts';
import { GpuPoller } from '../../src-main/core/gpu/gpuPoller.ts';
import { parseNvidiaSmiXml } from '../../src-main/core/gpu/parseNvidiaSmi.ts';
import type { BenchRow } from './benchRow.ts';

const CAPTURE = fileURLToPath(new URL('../fixtures/nvidia-smi/datakit__gtx-8card.xml', import.meta.url));
const FAKE_NVIDIA_SMI = fileURLToPath(new URL('../support/fake-nvidia-smi/nvidia-smi', import.meta.url));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function benchParse(): BenchRow[] {
  const xml = readFileSync(CAPTURE, 'utf8');
  const budgetMs = 5_000;
  const started = performance.now();
  for (let i = 0; i < 50; i += 1) parseNvidiaSmiXml(xml, 'local', 0);
  const times: number[] = [];
  while (times.length < 500 && performance.now() - started < budgetMs) {
    const t0 = performance.now();
    parseNvidiaSmiXml(xml, 'local', 0);
    times.push(performance.now() - t0);
  }
  return [
    {
      name: `gpu: parse nvidia-smi -q -x, 8 GPUs (${Math.round(xml.length / 1024)} KiB), median of ${times.length}`,
      value: `${median(times).toFixed(2)} ms`,
      target: '≤ 1 ms',
    },
  ];
}

/** Steady state: measured from the end of the first poll, so the parser's warm-up is left out. */
async function benchPollerCpu(durationMs = 10_000): Promise<BenchRow[]> {
  const saved = process.env.FAKE_NVIDIA_SMI_XML;
  process.env.FAKE_NVIDIA_SMI_XML = CAPTURE;
  let polls = 0;
  let firstPoll: () => void = () => {};
  const firstPollDone = new Promise<void>((resolve) => (firstPoll = resolve));
  const poller = new GpuPoller({
    host: 'local',
    runner: localCommandRunner,
    command: FAKE_NVIDIA_SMI,
    intervalMs: 1000,
    onStatus: (status) => {
      if (status.poller.state === 'ok') polls += 1;
      firstPoll();
    },
  });
  try {
    poller.start();
    await Promise.race([firstPollDone, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    const state = poller.status().poller;
    if (state.state !== 'ok') return [{ name: 'gpu: poller CPU at a 1 s interval', value: `not measured: ${state.state}`, target: '< 1 %' }];
    const polls0 = polls;
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, durationMs));
    const cpu = process.cpuUsage(cpu0);
    const wallMs = performance.now() - wall0;
    const percent = ((cpu.user + cpu.system) / 1000 / wallMs) * 100;
    return [
      {
        name: `gpu: poller CPU (this process), 1 s interval, fake nvidia-smi with 8 GPUs, ${(wallMs / 1000).toFixed(1)} s, ${polls - polls0} polls`,
        value: `${percent.toFixed(2)} %`,
        target: '< 1 %',
      },
    ];
  } finally {
    poller.stop();
    if (saved === undefined) delete process.env.FAKE_NVIDIA_SMI_XML;
    else process.env.FAKE_NVIDIA_SMI_XML = saved;
  }
}

export async function runGpuBench(): Promise<BenchRow[]> {
  return [...benchParse(), ...(await benchPollerCpu())];
}
