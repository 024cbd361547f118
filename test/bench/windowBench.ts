/**
 * A million-line batch (BATCHDECK_BENCH_LINES to change it) through the window and through the API, beside the
 * floor measured in the same run: one process reading the file with readline, JSON.parse of every line and a
 * Set of custom_ids. The window path is Chromium (Playwright) on `batchdeck serve`: the file dropped from disk,
 * streamed to POST /v1/files, validated once (report on screen), then "Submit batch" until the batch is queued.
 * Both paths run the engine as `npm run serve` does: the bundle in dist/serve.
 * The API path is the OpenAI way: multipart POST /v1/files, POST /v1/batches, until queued; its client streams
 * the file as `curl -F` does, and a second run uses fetch with FormData for comparison (its own CPU shown). Engine peak RSS
 * is the serve process's VmHWM (each path gets a fresh serve); renderer heap is sampled in the page.
 * Reports, never asserts.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from '@playwright/test';
import { dropDiskFileOnWindow } from '../e2e/support/page.ts';
import { api, waitFor } from '../support/batchApi.ts';
import { NODE24, REPO, startServe, type Spawned } from '../support/processes.ts';
import type { BenchRow } from './benchRow.ts';
import { uploadMultipart } from '../support/multipartUpload.ts';

const LINES = Number(process.env['BATCHDECK_BENCH_LINES'] ?? 1_000_000);
const MB = 1024 * 1024;
const label = LINES >= 1_000_000 ? `${LINES / 1_000_000}M lines` : `${LINES.toLocaleString('en-US')} lines`;

/** Peak resident set of a process so far (Linux VmHWM), in bytes. */
function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** CPU seconds (user + system, all threads) a process has used so far: unlike wall time, not inflated by a busy machine. */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

function writeFile(file: string): number {
  const writer = new URL('../support/batchFiles.ts', import.meta.url).href;
  const script = `import { writeGoodBatchFile } from ${JSON.stringify(writer)};
    const r = await writeGoodBatchFile(${JSON.stringify(file)}, { count: ${LINES} });
    process.stdout.write(String(r.bytes));`;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
}

/** The floor, in a process of its own: readline + JSON.parse + a Set of custom_ids. */
function floor(file: string): { seconds: number; cpu: number; rssMb: number } {
  const script = `import fs from 'node:fs'; import readline from 'node:readline';
    const t = performance.now(); const ids = new Set(); let dup = 0;
    for await (const line of readline.createInterface({ input: fs.createReadStream(${JSON.stringify(file)}), crlfDelay: Infinity })) {
      if (!line) continue; const r = JSON.parse(line); if (ids.has(r.custom_id)) dup++; else ids.add(r.custom_id);
    }
    const cpu = process.cpuUsage();
    process.stdout.write(JSON.stringify({ seconds: (performance.now() - t) / 1000, cpu: (cpu.user + cpu.system) / 1e6, rssMb: process.resourceUsage().maxRSS / 1024, n: ids.size, dup }));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 1024 * 1024 })) as { seconds: number; cpu: number; rssMb: number };
}

/** What `npm run serve` runs: the engine bundled (scripts/build-app.js --only serve), built when stale. */
const SERVE_BUNDLE = path.join(REPO, 'dist', 'serve', 'cli.cjs');

async function windowPath(file: string, dataDir: string, browser: Browser) {
  const serve = await startServe(['--data-dir', dataDir], undefined, SERVE_BUNDLE);
  try {
    const page = await browser.newPage();
    await page.goto(`${serve.url}/#/submit`);
    await page.getByRole('heading', { name: 'Submit a batch' }).waitFor();
    // Heap of the page, sampled in it (precise with --enable-precise-memory-info).
    await page.evaluate(() => {
      const w = window as unknown as { __heapPeak: number };
      const mem = () => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0;
      w.__heapPeak = mem();
      setInterval(() => { w.__heapPeak = Math.max(w.__heapPeak, mem()); }, 20);
    });
    const cpuBefore = cpuSeconds(serve.child.pid!);
    const dropped = performance.now();
    await dropDiskFileOnWindow(page, file);
    await page.getByText(new RegExp(`${LINES.toLocaleString('en-US')} requests`)).waitFor({ timeout: 600_000 });
    const validated = (performance.now() - dropped) / 1000;
    const engineCpu = cpuSeconds(serve.child.pid!) - cpuBefore;
    const submitted = performance.now();
    await page.getByRole('button', { name: 'Submit batch' }).click();
    await page.locator('.batch-header').waitFor({ timeout: 600_000 });
    const id = await page.locator('.batch-header').getAttribute('data-batch-id');
    const call = api(serve.url);
    await waitFor('queued', async () => ['queued', 'in_progress'].includes((await call('batches.get', { id: id! })).status), 600_000, 20);
    const queued = (performance.now() - submitted) / 1000;
    const heapMb = (await page.evaluate(() => (window as unknown as { __heapPeak: number }).__heapPeak)) / MB;
    await page.close();
    return { validated, engineCpu, queued, heapMb, rssMb: peakRss(serve.child.pid!) / MB };
  } finally {
    await serve.kill();
  }
}

/** `curl -F` (the file streamed into the socket), or fetch with FormData and a Blob, as JS clients send it. */
async function upload(serverUrl: string, file: string, client: 'stream' | 'fetch'): Promise<{ id: string }> {
  if (client === 'stream') return uploadMultipart(serverUrl, file);
  const form = new FormData();
  form.set('purpose', 'batch');
  form.set('file', await fs.openAsBlob(file), 'batch.jsonl');
  return (await (await fetch(`${serverUrl}/v1/files`, { method: 'POST', body: form })).json()) as { id: string };
}

async function apiPath(file: string, dataDir: string, client: 'stream' | 'fetch') {
  const serve: Spawned = await startServe(['--data-dir', dataDir], undefined, SERVE_BUNDLE);
  try {
    const started = performance.now();
    const cpuBefore = cpuSeconds(serve.child.pid!);
    const clientBefore = process.cpuUsage();
    const uploaded = await upload(serve.url, file, client);
    const clientCpu = process.cpuUsage(clientBefore);
    const created = (await (await fetch(`${serve.url}/v1/batches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input_file_id: uploaded.id, endpoint: '/v1/chat/completions', completion_window: '24h' }),
    })).json()) as { id: string };
    const call = api(serve.url);
    await waitFor('queued', async () => ['queued', 'in_progress'].includes((await call('batches.get', { id: created.id })).status), 600_000, 20);
    return {
      seconds: (performance.now() - started) / 1000,
      engineCpu: cpuSeconds(serve.child.pid!) - cpuBefore,
      clientCpu: (clientCpu.user + clientCpu.system) / 1e6,
      rssMb: peakRss(serve.child.pid!) / MB,
    };
  } finally {
    await serve.kill();
  }
}

export async function runWindowBench(): Promise<BenchRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchdeck-window-bench-'));
  let browser: Browser | null = null;
  try {
    execFileSync(NODE24, [path.join(REPO, 'scripts', 'ensure-build.js'), 'renderer', 'serve'], { stdio: 'inherit' });
    const file = path.join(dir, 'batch.jsonl');
    const bytes = writeFile(file);
    const f = floor(file);
    browser = await chromium.launch({
      executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--enable-precise-memory-info'],
    });
    const w = await windowPath(file, path.join(dir, 'window-data'), browser);
    await browser.close();
    browser = null;
    const a = await apiPath(file, path.join(dir, 'api-data'), 'stream');
    const af = await apiPath(file, path.join(dir, 'api-fetch-data'), 'fetch');
    const x = (s: number) => `${s.toFixed(2)} s (${(s / f.seconds).toFixed(2)}x floor)`;
    return [
      { name: `${label}: file`, value: `${(bytes / MB).toFixed(0)} MB (load ${os.loadavg()[0]?.toFixed(1)}: wall times grow with it, CPU times do not)`, target: '-' },
      { name: `${label}: floor (readline + JSON.parse + Set)`, value: `${f.seconds.toFixed(2)} s (${f.cpu.toFixed(2)} s CPU), ${f.rssMb.toFixed(0)} MB RSS`, target: '-' },
      { name: `${label}: window, drop to report (upload + validate)`, value: x(w.validated), target: '<= 1.5x floor' },
      { name: `${label}: window, engine CPU drop to report`, value: `${w.engineCpu.toFixed(2)} s (${(w.engineCpu / f.cpu).toFixed(2)}x floor CPU)`, target: '-' },
      { name: `${label}: window, Submit to queued`, value: `${w.queued.toFixed(2)} s`, target: '<= 1 s' },
      { name: `${label}: window, renderer JS heap peak`, value: `${w.heapMb.toFixed(0)} MB`, target: '<= 150 MB' },
      { name: `${label}: window, engine peak RSS`, value: `${w.rssMb.toFixed(0)} MB`, target: LINES > 2_000_000 ? '<= 400 MB' : '<= 300 MB' },
      { name: `${label}: API (curl -F), upload + create to queued`, value: x(a.seconds), target: '<= 1.5x floor' },
      { name: `${label}: API (curl -F), engine CPU / client CPU`, value: `${a.engineCpu.toFixed(2)} s (${(a.engineCpu / f.cpu).toFixed(2)}x floor CPU) / ${a.clientCpu.toFixed(2)} s`, target: '-' },
      { name: `${label}: API (fetch + FormData), to queued`, value: `${x(af.seconds)}; client CPU ${af.clientCpu.toFixed(2)} s`, target: '-' },
      { name: `${label}: API, engine peak RSS`, value: `${a.rssMb.toFixed(0)} MB`, target: LINES > 2_000_000 ? '<= 400 MB' : '<= 300 MB' },
    ];
  } finally {
    await browser?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const row of await runWindowBench()) console.log(`${row.name.padEnd(56)} ${row.value.padEnd(36)} target ${row.target}`);
}
