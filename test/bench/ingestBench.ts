/**
 * Ingest benchmark: a 1,000,000-line batch file validated and inserted into a fresh SQLite file.
 * Targets (DESIGN, batches): <= 10 s and <= 300 MB peak RSS on a 2-core machine. Reports, never asserts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ingestFile } from '../../src-main/core/batches/ingest/ingestFile.ts';
import { openDatabase } from '../../src-main/core/store/database.ts';
import { execFileSync } from 'node:child_process';

const LINES = 1_000_000;
const MB = 1024 * 1024;

export async function runIngestBench(): Promise<{ name: string; value: string; target: string }[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchdeck-ingest-bench-'));
  try {
    const file = path.join(dir, 'batch.jsonl');
    const dbPath = path.join(dir, 'engine.sqlite');
    const bytes = await writeFileInChildProcess(file);
    openDatabase(dbPath).close(); // schema in place before timing, as in the app

    // The worker is a thread of this process, so this process's RSS covers it.
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 50);
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    let result;
    try {
      result = await ingestFile({ filePath: file, dbPath, batchId: 'bench' });
    } finally {
      clearInterval(sampler);
    }
    const seconds = (performance.now() - started) / 1000;
    // CPU time of all threads: unlike wall time, it does not grow when other work shares the machine.
    const cpu = process.cpuUsage(cpuBefore);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    peak = Math.max(peak, process.memoryUsage().rss);

    return [
      { name: 'ingest 1M lines: file size', value: `${(bytes / MB).toFixed(0)} MB`, target: '-' },
      { name: 'ingest 1M lines: validated + inserted', value: `${seconds.toFixed(2)} s wall (${result.insertedRows.toLocaleString('en-US')} rows, ok=${result.ok}, load ${os.loadavg()[0]?.toFixed(1)})`, target: '<= 10 s' },
      { name: 'ingest 1M lines: of which validation', value: `${(result.timings.validateMs / 1000).toFixed(2)} s`, target: '-' },
      { name: 'ingest 1M lines: of which SQLite insert', value: `${(result.timings.insertMs / 1000).toFixed(2)} s`, target: '-' },
      { name: 'ingest 1M lines: CPU time (all threads)', value: `${cpuSeconds.toFixed(2)} s`, target: '<= 10 s' },
      { name: 'ingest 1M lines: throughput', value: `${Math.round(LINES / seconds).toLocaleString('en-US')} lines/s`, target: '>= 100,000 lines/s' },
      { name: 'ingest 1M lines: peak RSS', value: `${(peak / MB).toFixed(0)} MB (baseline ${(baseline / MB).toFixed(0)} MB)`, target: '<= 300 MB' },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Written by another process, so the writer's garbage does not count in this process's RSS. */
function writeFileInChildProcess(file: string): number {
  const writer = new URL('../support/batchFiles.ts', import.meta.url).href;
  const script = `import { writeGoodBatchFile } from ${JSON.stringify(writer)};
    const r = await writeGoodBatchFile(${JSON.stringify(file)}, { count: ${LINES} });
    process.stdout.write(String(r.bytes));`;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const row of await runIngestBench()) console.log(`${row.name.padEnd(42)} ${row.value.padEnd(40)} target ${row.target}`);
}
