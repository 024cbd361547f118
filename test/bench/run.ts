// `npm run bench`: measures and prints a table. Benchmarks, not tests: nothing here asserts on speed.
// Each suite runs in a process of its own, so one suite's memory and warm-up do not colour another's figures.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './benchRow.ts';

const suites: Record<string, () => Promise<() => Promise<BenchRow[]>>> = {
  engine: async () => (await import('./engineBench.ts')).runEngineBench,
  ingest: async () => (await import('./ingestBench.ts')).runIngestBench,
  gpu: async () => (await import('./gpuBench.ts')).runGpuBench,
  nodes: async () => (await import('./nodesBench.ts')).runNodesBench,
  replicas: async () => (await import('./replicasBench.ts')).runReplicasBench,
  renderer: async () => (await import('./rendererBench.ts')).runRendererBench,
  window: async () => (await import('./windowBench.ts')).runWindowBench,
};

const args = process.argv.slice(2);
if (args[0] === '--suite') {
  // Child mode: run one suite, print its rows as JSON on the last line.
  const name = args[1]!;
  const run = await suites[name]!();
  const rows = await run();
  process.stdout.write('\n' + JSON.stringify(rows) + '\n');
  process.exit(0);
}

const only = args.filter((a) => a in suites);
const rows: (BenchRow & { suite: string })[] = [];
for (const name of Object.keys(suites)) {
  if (only.length && !only.includes(name)) continue;
  process.stdout.write(`running ${name} benchmarks...\n`);
  const res = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--suite', name], { encoding: 'utf8', timeout: 15 * 60_000, maxBuffer: 64 * 1024 * 1024 });
  const last = (res.stdout ?? '').trim().split('\n').at(-1) ?? '';
  try {
    for (const r of JSON.parse(last) as BenchRow[]) rows.push({ ...r, suite: name });
  } catch {
    const why = (res.stderr || res.stdout || String(res.error ?? `exit ${res.status}`)).trim().split('\n').at(-1) ?? '';
    rows.push({ suite: name, name: '(failed to run)', value: why.slice(0, 120), target: '' });
  }
}

const w = [8, Math.max(...rows.map((r) => r.name.length), 9), Math.max(...rows.map((r) => r.value.length), 6), Math.max(...rows.map((r) => r.target.length), 6)];
const line = (c: string[]) => c.map((x, i) => x.padEnd(w[i]!)).join(' | ');
process.stdout.write('\n' + line(['suite', 'benchmark', 'result', 'target']) + '\n' + w.map((n) => '-'.repeat(n)).join('-|-') + '\n');
for (const r of rows) process.stdout.write(line([r.suite, r.name, r.value, r.target]) + '\n');
