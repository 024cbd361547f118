// `npm run bench`: measures and prints a table. Benchmarks, not tests: nothing here asserts on speed.
import type { BenchRow } from './benchRow.ts';

type Suite = { name: string; load: () => Promise<() => Promise<BenchRow[]>> };

const suites: Suite[] = [
  { name: 'engine', load: async () => (await import('./engineBench.ts')).runEngineBench },
  { name: 'ingest', load: async () => (await import('./ingestBench.ts')).runIngestBench },
  { name: 'gpu', load: async () => (await import('./gpuBench.ts')).runGpuBench },
  { name: 'nodes', load: async () => (await import('./nodesBench.ts')).runNodesBench },
  { name: 'renderer', load: async () => (await import('./rendererBench.ts')).runRendererBench },
];

const only = process.argv.slice(2);
const rows: (BenchRow & { suite: string })[] = [];
for (const s of suites) {
  if (only.length && !only.includes(s.name)) continue;
  process.stdout.write(`running ${s.name} benchmarks...\n`);
  try {
    const run = await s.load();
    for (const r of await run()) rows.push({ ...r, suite: s.name });
  } catch (err) {
    rows.push({ suite: s.name, name: '(failed to run)', value: String((err as Error).message ?? err).split('\n')[0]!.slice(0, 100), target: '' });
  }
}

const w = [8, Math.max(...rows.map((r) => r.name.length), 9), Math.max(...rows.map((r) => r.value.length), 6), 10];
const line = (c: string[]) => c.map((x, i) => x.padEnd(w[i]!)).join(' | ');
process.stdout.write('\n' + line(['suite', 'benchmark', 'result', 'target']) + '\n' + w.map((n) => '-'.repeat(n)).join('-|-') + '\n');
for (const r of rows) process.stdout.write(line([r.suite, r.name, r.value, r.target]) + '\n');
process.exit(0);
