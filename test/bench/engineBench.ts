import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createEngine } from '../../src-main/core/engine.ts';
import { chatLines, waitFor } from '../support/batchApi.ts';
import { startSimulatorProcess } from '../support/processes.ts';
import type { BenchRow } from './benchRow.ts';

/** Runs one batch of `n` requests against a simulator process; returns req/s and the engine's loop delay. */
async function runBatch(n: number, simArgs: string[]): Promise<{ rps: number; p99LoopMs: number; maxLoopMs: number }> {
  const sim = await startSimulatorProcess(['--port', '0', ...simArgs]);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-bench-'));
  const engine = await createEngine({ dataDir, backends: [sim.url], gpu: { enabled: false }, nodes: { enabled: false } });
  try {
    const content = chatLines(n);
    const b = await engine.batches.submitContent({ name: 'bench.jsonl', content, priority: 0 });
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const done = await waitFor('bench batch', () => {
      const s = engine.batches.summary(b.id);
      return s.status === 'completed' ? s : null;
    }, 300_000, 20);
    loop.disable();
    const row = engine.db.prepare('SELECT in_progress_at, completed_at FROM batches WHERE id = ?').get(b.id) as { in_progress_at: number; completed_at: number };
    const secs = (row.completed_at - row.in_progress_at) / 1000;
    if (done.counts.completed !== n) throw new Error(`bench batch finished with ${done.counts.completed}/${n} completed`);
    return { rps: n / secs, p99LoopMs: loop.percentile(99) / 1e6, maxLoopMs: loop.max / 1e6 };
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
    { name: 'b. requests/s vs zero-latency simulator', value: `${b.rps.toFixed(0)} req/s`, target: '>= 5,000/s' },
    { name: 'd. engine event-loop delay p99 during (a)', value: `${a.p99LoopMs.toFixed(1)} ms (max ${a.maxLoopMs.toFixed(1)} ms)`, target: '<= 20 ms' },
  ];
}
