/**
 * The window under load, in Debian's Chromium against `batchdeck serve` and `batchdeck simulate`:
 *  - engine change -> DOM: while a 100,000-request batch runs flat out, small batches are created and cancelled
 *    through the HTTP API (as another client would); each is timed from the API call's return to the frame in which
 *    its row appears in (or leaves) the open Batches list. Page and bench read the same clock (Date.now()).
 *  - the renderer's longest task (PerformanceObserver 'longtask') during that run;
 *  - the 100,000-request batch's detail page: the Results table scrolled through with wheel steps (frame gaps from a
 *    requestAnimationFrame loop, long tasks, and how long rows take to fill in after a big jump).
 * Measures only; nothing here asserts on speed. Everything it starts is stopped by handle.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import type { BatchSummary } from '../../shared/batch.ts';
import { api, chatLines, submitText, waitFor } from '../support/batchApi.ts';
import { NODE24, REPO, startCli, startSimulatorProcess, type Spawned } from '../support/processes.ts';
import type { BenchRow } from './benchRow.ts';

const BIG = 100_000;
/** How long to take samples while the big batch runs (it must still be running at the end). */
const SAMPLE_WINDOW_MS = 15_000;
const UNSERVED_MODEL = 'bench-probe-model'; // no backend serves it: a probe batch stays queued until cancelled

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) newest = Math.max(newest, fs.statSync(path.join(e.parentPath, e.name)).mtimeMs);
  }
  return newest;
}

/**
 * Builds dist/renderer when it is missing or older than its sources. Not on every run: a running `batchdeck serve`
 * lists dist/renderer once at startup, and a rebuild under it would break a window another process is testing.
 */
function buildRenderer(): void {
  const index = path.join(REPO, 'dist/renderer/index.html');
  const sources = Math.max(newestMtime(path.join(REPO, 'src-renderer')), newestMtime(path.join(REPO, 'shared')));
  if (fs.existsSync(index) && fs.statSync(index).mtimeMs >= sources) return;
  const vite = path.join(REPO, 'node_modules/vite/bin/vite.js');
  const r = spawnSync(NODE24, [vite, 'build', '--logLevel', 'warn'], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
  if (r.status !== 0) throw new Error(`vite build failed: ${r.stderr?.toString().slice(0, 300)}`);
}

declare global {
  interface Window {
    __bench?: {
      appeared: Record<string, number>;
      gone: Record<string, number>;
      longTasks: { at: number; duration: number }[];
      frameBlocks: { at: number; duration: number; what: string }[];
      frames: number[];
      framing: boolean;
    };
  }
}

/** In the page: batch rows coming and going (time of the next frame), long tasks, and a frame clock on demand. */
async function installProbes(page: Page): Promise<void> {
  await page.evaluate(() => {
    const b = { appeared: {} as Record<string, number>, gone: {} as Record<string, number>, longTasks: [] as { at: number; duration: number }[], frameBlocks: [] as { at: number; duration: number; what: string }[], frames: [] as number[], framing: false };
    window.__bench = b;
    const present = new Set<string>();
    const scan = () => {
      const now = new Set<string>();
      for (const el of document.querySelectorAll<HTMLElement>('[role="row"][data-batch-id]')) now.add(el.dataset.batchId!);
      for (const id of now) {
        if (present.has(id)) continue;
        present.add(id);
        requestAnimationFrame(() => { if (!(id in b.appeared)) b.appeared[id] = Date.now(); });
      }
      for (const id of present) {
        if (now.has(id)) continue;
        present.delete(id);
        requestAnimationFrame(() => { if (!(id in b.gone)) b.gone[id] = Date.now(); });
      }
    };
    scan();
    new MutationObserver(scan).observe(document.body, { childList: true, subtree: true });
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) b.longTasks.push({ at: performance.timeOrigin + e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
    // Long animation frames say which script ran (Chromium 123+); kept only to name the culprit of a long task.
    if (PerformanceObserver.supportedEntryTypes.includes('long-animation-frame')) {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries() as (PerformanceEntry & { blockingDuration?: number; scripts?: { invoker?: string; sourceFunctionName?: string; duration: number }[] })[]) {
          const top = [...(e.scripts ?? [])].sort((x, y) => y.duration - x.duration)[0];
          b.frameBlocks.push({ at: performance.timeOrigin + e.startTime, duration: e.duration, what: top ? `${top.invoker ?? '?'}${top.sourceFunctionName ? ` ${top.sourceFunctionName}` : ''} ${Math.round(top.duration)} ms` : 'no script (style/layout/paint)' });
        }
      }).observe({ type: 'long-animation-frame', buffered: true });
    }
  });
}

/** Makes sure this Chromium reports long tasks at all: an 80 ms busy task must show up (then it is forgotten). */
async function checkLongTaskObserver(page: Page): Promise<void> {
  await page.evaluate(() => new Promise<void>((resolve) => setTimeout(() => {
    const until = performance.now() + 80;
    while (performance.now() < until) { /* busy */ }
    resolve();
  }, 0)));
  await waitFor('the calibration long task to be reported', () => page.evaluate(() => window.__bench!.longTasks.some((t) => t.duration >= 75)), 5_000, 20);
  await page.evaluate(() => { window.__bench!.longTasks = []; window.__bench!.frameBlocks = []; });
}

async function startFrameClock(page: Page): Promise<void> {
  await page.evaluate(() => {
    const b = window.__bench!;
    b.frames = [];
    b.framing = true;
    const tick = (t: number) => {
      if (!b.framing) return;
      b.frames.push(t);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

async function stopFrameClock(page: Page): Promise<number[]> {
  return page.evaluate(() => {
    const b = window.__bench!;
    b.framing = false;
    const gaps: number[] = [];
    for (let i = 1; i < b.frames.length; i++) gaps.push(b.frames[i]! - b.frames[i - 1]!);
    return gaps;
  });
}

async function longTasksBetween(page: Page, from: number, to: number): Promise<number[]> {
  const all = await page.evaluate(() => window.__bench!.longTasks);
  return all.filter((t) => t.at + t.duration >= from && t.at <= to).map((t) => t.duration);
}

/** The longest animation frame in a time range, with the script that took most of it. */
async function longestFrameBetween(page: Page, from: number, to: number): Promise<string> {
  const all = await page.evaluate(() => window.__bench!.frameBlocks);
  const inRange = all.filter((f) => f.at + f.duration >= from && f.at <= to).sort((a, b) => b.duration - a.duration);
  return inRange[0] ? `longest frame ${Math.round(inRange[0].duration)} ms: ${inRange[0].what}` : 'no frame over 50 ms';
}

async function seen(page: Page, kind: 'appeared' | 'gone', id: string, timeoutMs = 10_000): Promise<number> {
  return waitFor(`row ${id} ${kind}`, () => page.evaluate(([k, i]) => window.__bench![k as 'appeared' | 'gone'][i] ?? null, [kind, id] as const), timeoutMs, 5);
}

/** SIGTERM, and SIGKILL if it has not exited 10 s later. */
async function stop(p: Spawned): Promise<void> {
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
  await p.kill('SIGTERM');
  clearTimeout(timer);
}

const done = (b: BatchSummary) => b.counts.completed + b.counts.failed;

export async function runRendererBench(): Promise<BenchRow[]> {
  buildRenderer();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-renderer-bench-'));
  let sim: Spawned | null = null;
  let serve: Spawned | null = null;
  let browser: Browser | null = null;
  try {
    sim = await startSimulatorProcess(['--port', '0', '--slots', '64', '--latency-ms', '0']);
    serve = await startCli(
      ['serve', '--port', '0', '--no-gpu', '--data-dir', path.join(tmp, 'data'), '--backend', sim.url, '--concurrency', '64'],
      /batchdeck serving (http:\/\/\S+)/,
    );
    const call = api(serve.url);
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`${serve.url}/#/batches`);
    await page.getByRole('tab', { name: /Active/ }).waitFor({ timeout: 20_000 });
    await installProbes(page);
    await checkLongTaskObserver(page);

    // The load: one big batch, run as fast as the simulator and the engine go.
    const big = await submitText(serve.url, { name: `bench ${BIG}`, content: chatLines(BIG) });
    await waitFor('the big batch to get going', async () => {
      const b = await call('batches.get', { id: big.id });
      return b.status === 'in_progress' && done(b) >= 2_000 ? b : null;
    }, 120_000, 50);

    // Samples: create a probe batch (row appears), then cancel it (row leaves the Active list).
    const lags: { kind: 'create' | 'cancel'; ms: number }[] = [];
    const before = await call('batches.get', { id: big.id });
    const windowFrom = Date.now();
    let k = 0;
    while (Date.now() - windowFrom < SAMPLE_WINDOW_MS) {
      const probe = await submitText(serve.url, { name: `probe ${k}`, content: chatLines(1, { model: UNSERVED_MODEL, prefix: `probe${k}` }) });
      const created = Date.now();
      lags.push({ kind: 'create', ms: (await seen(page, 'appeared', probe.id)) - created });
      await call('batches.cancel', { id: probe.id });
      const cancelled = Date.now();
      lags.push({ kind: 'cancel', ms: (await seen(page, 'gone', probe.id)) - cancelled });
      k += 1;
      await new Promise((r) => setTimeout(r, 100));
    }
    const windowTo = Date.now();
    const after = await call('batches.get', { id: big.id });
    const stillRunning = after.status === 'in_progress';
    const windowRps = (done(after) - done(before)) / ((windowTo - windowFrom) / 1000);
    const tasksWhileRunning = await longTasksBetween(page, windowFrom, windowTo);
    const frameWhileRunning = await longestFrameBetween(page, windowFrom, windowTo);

    const finished = await waitFor('the big batch to finish', async () => {
      const b = await call('batches.get', { id: big.id });
      return b.status === 'completed' ? b : null;
    }, 240_000, 100);
    const overallRps = finished.startedAt && finished.finishedAt ? BIG / ((finished.finishedAt - finished.startedAt) / 1000) : NaN;

    // The big batch's detail page: scroll its Results table through.
    await page.goto(`${serve.url}/#/batches/${big.id}`);
    const table = page.getByRole('table', { name: 'Results' });
    await table.getByRole('row').filter({ hasText: 'req-0' }).first().waitFor({ timeout: 20_000 });
    const scroller = table.locator('.grid-table__scroll');
    await scroller.scrollIntoViewIfNeeded();
    const box = await scroller.boundingBox();
    if (!box) throw new Error('Results table has no box');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForTimeout(500);
    const scrollFrom = Date.now();
    await startFrameClock(page);
    // Reading pace: 150 wheel steps of 300 px.
    for (let i = 0; i < 150; i++) {
      await page.mouse.wheel(0, 300);
      await page.waitForTimeout(16);
    }
    // Then through the whole table in 20 jumps, timing how long the rows on screen take to fill in.
    const fills: number[] = [];
    const maxScroll = await scroller.evaluate((el) => el.scrollHeight - el.clientHeight);
    const jump = Math.ceil(maxScroll / 20);
    for (let i = 0; i < 20; i++) {
      await page.mouse.wheel(0, jump);
      const t0 = Date.now();
      await waitFor('rows to fill in', () => scroller.evaluate((el) => el.querySelectorAll('.grid-row--loading').length === 0 && el.querySelectorAll('[role="row"]').length > 0), 15_000, 5);
      fills.push(Date.now() - t0);
    }
    // Wheel deltas can fall short of the computed jumps (the table may settle its size as it goes): finish the way down.
    for (let i = 0; i < 20 && (await scroller.evaluate((el) => el.scrollHeight - el.clientHeight - el.scrollTop)) > 1; i++) {
      await page.mouse.wheel(0, jump);
      await page.waitForTimeout(50);
    }
    await waitFor('the last rows to fill in', () => scroller.evaluate((el) => el.querySelectorAll('.grid-row--loading').length === 0), 15_000, 5).catch(() => undefined);
    const gaps = await stopFrameClock(page);
    const scrollTo = Date.now();
    const end = await scroller.evaluate((el, last) => ({
      scrollTop: el.scrollTop,
      max: el.scrollHeight - el.clientHeight,
      lastRow: el.querySelector(`[role="row"][aria-rowindex="${last}"]`)?.textContent ?? null,
    }), BIG + 1);
    const reachedEnd = !!end.lastRow?.includes(`req-${BIG - 1}`);
    if (!reachedEnd) console.error('renderer bench: the scroll ended at', end);
    const tasksWhileScrolling = await longTasksBetween(page, scrollFrom, scrollTo);
    const frameWhileScrolling = await longestFrameBetween(page, scrollFrom, scrollTo);

    const all = lags.map((l) => l.ms).sort((a, b) => a - b);
    const creates = lags.filter((l) => l.kind === 'create').map((l) => l.ms).sort((a, b) => a - b);
    const cancels = lags.filter((l) => l.kind === 'cancel').map((l) => l.ms).sort((a, b) => a - b);
    const sortedGaps = [...gaps].sort((a, b) => a - b);
    const sortedFills = [...fills].sort((a, b) => a - b);
    const maxOf = (xs: number[]) => (xs.length ? Math.max(...xs) : 0);
    const ms = (n: number) => `${n.toFixed(0)} ms`;
    return [
      { name: `engine change -> DOM, p50 (${all.length} changes: API return -> row painted)`, value: ms(pct(all, 50)), target: '' },
      { name: 'engine change -> DOM, p95', value: ms(pct(all, 95)), target: '<= 250 ms' },
      { name: '  of which batch created -> row appears, p50 / p95 / max', value: `${ms(pct(creates, 50))} / ${ms(pct(creates, 95))} / ${ms(maxOf(creates))}`, target: '' },
      { name: '  of which batch cancelled -> row leaves Active, p50 / p95 / max', value: `${ms(pct(cancels, 50))} / ${ms(pct(cancels, 95))} / ${ms(maxOf(cancels))}`, target: '' },
      { name: `batch running meanwhile (${BIG.toLocaleString('en-US')} req, simulate --slots 64 --latency-ms 0)`, value: `${windowRps.toFixed(0)} req/s in the window${stillRunning ? '' : ' (ENDED EARLY)'}; ${overallRps.toFixed(0)} req/s overall`, target: '>= 3,000 req/s' },
      { name: 'renderer longest task while it runs', value: `${ms(maxOf(tasksWhileRunning))} (${tasksWhileRunning.length} tasks > 50 ms in ${((windowTo - windowFrom) / 1000).toFixed(0)} s)`, target: '<= 50 ms' },
      { name: '  longest animation frame meanwhile (and its main script)', value: frameWhileRunning, target: '' },
      { name: '100k-row Results: longest frame while wheel-scrolling', value: `${ms(maxOf(gaps))} (p95 ${ms(pct(sortedGaps, 95))}, ${gaps.filter((g) => g > 50).length} of ${gaps.length} frames > 50 ms)`, target: 'smooth: <= 50 ms' },
      { name: '100k-row Results: long tasks while scrolling', value: `${tasksWhileScrolling.length} (longest ${ms(maxOf(tasksWhileScrolling))})`, target: '0' },
      { name: '  longest animation frame meanwhile (and its main script)', value: frameWhileScrolling, target: '' },
      { name: '100k-row Results: rows filled after a jump, p50 / max', value: `${ms(pct(sortedFills, 50))} / ${ms(maxOf(sortedFills))}${reachedEnd ? '' : ' (did NOT reach the last row)'}`, target: '' },
    ];
  } finally {
    await browser?.close().catch(() => undefined);
    if (serve) await stop(serve);
    if (sim) await stop(sim);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
