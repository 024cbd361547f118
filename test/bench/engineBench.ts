import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../../src-main/core/engine.ts';
import { chatLines, waitFor } from '../support/batchApi.ts';
import { startSimulatorProcess } from '../support/processes.ts';
import type { BenchRow } from './benchRow.ts';
import type { RawClientResult } from './rawHttpClient.ts';

const RAW_CLIENT = fileURLToPath(new URL('./rawHttpClient.ts', import.meta.url));

interface BatchFigures { rps: number; p99LoopMs: number; maxLoopMs: number; cpuUsPerRequest: number; raw: RawClientResult }

/**
 * Runs one batch of `n` requests against a simulator process, and the raw node:http client (rawHttpClient.ts)
 * against the same simulator just before it; returns both throughputs, the engine's CPU per request (from
 * submit to completed: upload, ingest, send, store) and its loop delay.
 */
async function runBatch(n: number, simArgs: string[]): Promise<BatchFigures> {
  const sim = await startSimulatorProcess(['--port', '0', ...simArgs]);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-bench-'));
  const engine = await createEngine({ dataDir, backends: [sim.url], gpu: { enabled: false }, nodes: { enabled: false } });
  try {
    const raw = JSON.parse(execFileSync(process.execPath, [RAW_CLIENT, sim.url, String(n), '64'], { encoding: 'utf8' })) as RawClientResult;
    const content = chatLines(n);
    const cpu0 = process.cpuUsage();
    const b = await engine.batches.submitContent({ name: 'bench.jsonl', content, priority: 0 });
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const done = await waitFor('bench batch', () => {
      const s = engine.batches.summary(b.id);
      return s.status === 'completed' ? s : null;
    }, 300_000, 20);
    loop.disable();
    const cpu = process.cpuUsage(cpu0);
    const row = engine.db.prepare('SELECT in_progress_at, completed_at FROM batches WHERE id = ?').get(b.id) as { in_progress_at: number; completed_at: number };
    const secs = (row.completed_at - row.in_progress_at) / 1000;
    if (done.counts.completed !== n) throw new Error(`bench batch finished with ${done.counts.completed}/${n} completed`);
    return { rps: n / secs, p99LoopMs: loop.percentile(99) / 1e6, maxLoopMs: loop.max / 1e6, cpuUsPerRequest: (cpu.user + cpu.system) / n, raw };
  } finally {
    await engine.close();
    await sim.kill();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runEngineBench(): Promise<BenchRow[]> {
  const a = await runBatch(20_000, ['--slots', '64', '--latency-ms', '20']);
  const b = await runBatch(20_000, ['--slots', '64', '--latency-ms', '0']);
  return [
    { name: 'a. 20k batch vs simulate --slots 64 --latency-ms 20', value: `${a.rps.toFixed(0)} req/s = ${(a.rps / 3200).toFixed(3)} of 3,200`, target: '>= 0.97' },
    { name: 'a. raw keep-alive node:http client, same simulator (floor)', value: `${a.raw.rps.toFixed(0)} req/s = ${(a.raw.rps / 3200).toFixed(3)} of 3,200, ${a.raw.cpuUsPerRequest.toFixed(0)} µs CPU/request`, target: '-' },
    { name: 'a. executor / raw client throughput', value: (a.rps / a.raw.rps).toFixed(3), target: '>= 0.98' },
    { name: 'a. engine CPU per request, end to end', value: `${a.cpuUsPerRequest.toFixed(0)} µs (load ${os.loadavg()[0]?.toFixed(1)})`, target: '<= 100 µs' },
    { name: 'b. requests/s vs zero-latency simulator', value: `${b.rps.toFixed(0)} req/s (raw client ${b.raw.rps.toFixed(0)})`, target: '>= 10,000/s' },
    { name: 'b. engine CPU per request, zero latency', value: `${b.cpuUsPerRequest.toFixed(0)} µs (raw client ${b.raw.cpuUsPerRequest.toFixed(0)} µs)`, target: '<= 100 µs' },
    { name: 'd. engine event-loop delay p99 during (a)', value: `${a.p99LoopMs.toFixed(1)} ms (max ${a.maxLoopMs.toFixed(1)} ms)`, target: '<= 20 ms' },
  ];
}
