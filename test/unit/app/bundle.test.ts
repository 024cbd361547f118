/**
 * The built main-process bundle (scripts/build-app.js) with the real engine, run under Node with the
 * stand-in 'electron' module: it starts the engine in the user-data folder, serves the renderer on the app
 * scheme, answers the window over IPC (validate, simulator, submit, run to completion), pushes the live
 * events, notifies, and shuts down. Only Chromium is missing; the Electron binary cannot be had here.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, type ResponseEnvelope, type Snapshot } from '../../../shared/contract/index.ts';
import type { BatchSummary } from '../../../shared/batch.ts';
import type { StoredUpload, UploadProgress, UploadReport } from '../../../shared/upload.ts';
import type { BackendInfo } from '../../../shared/backend.ts';
import { CONTENT_SECURITY_POLICY } from '../../../src-main/app/securityPolicy.ts';
import { BAD_CORPUS, goodBatchText, writeGoodBatchFile } from '../../support/batchFiles.ts';
import { createFakeElectron, type FakeElectron } from './fakeElectron.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
// Inside the repo, so the bundle finds node_modules (better-sqlite3, ssh2) the way dist/app does.
fs.mkdirSync(path.join(root, '.tmp'), { recursive: true });
const work = fs.mkdtempSync(path.join(root, '.tmp', 'bundle-test-'));
const userData = path.join(work, 'user-data');
const requireHere = createRequire(import.meta.url);

let fake: FakeElectron;
let electronPath: string;

async function until<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function window0() {
  const win = fake.state.windows[0];
  if (!win) throw new Error('no window');
  return win;
}

async function call<T>(name: string, input: unknown): Promise<T> {
  const win = window0();
  const res = (await fake.state.ipcHandlers.get(IPC_INVOKE_CHANNEL)!({ sender: win.webContents, senderFrame: win.webContents.mainFrame }, name, input)) as ResponseEnvelope;
  if (!res.ok) throw new Error(`${name}: ${res.error.code}: ${res.error.message}`);
  return res.value as T;
}

beforeAll(async () => {
  const built = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-app.js'), '--outdir', path.join(work, 'app')], { cwd: root, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`build-app failed:\n${built.stderr}${built.stdout}`);
  fs.mkdirSync(path.join(work, 'renderer', 'assets'), { recursive: true });
  fs.writeFileSync(path.join(work, 'renderer', 'index.html'), '<!doctype html><title>Batchdeck</title><script type="module" src="./assets/app.js"></script>');
  fs.writeFileSync(path.join(work, 'renderer', 'assets', 'app.js'), 'console.log("renderer")');

  // require('electron') from the bundle gets the stand-in (the real package would try to download Chromium).
  fake = createFakeElectron();
  electronPath = createRequire(path.join(work, 'app', 'main.cjs')).resolve('electron');
  requireHere.cache[electronPath] = { id: electronPath, filename: electronPath, loaded: true, exports: fake.electron } as unknown as NodeJS.Module;

  process.env['BATCHDECK_USER_DATA'] = userData;
  vi.spyOn(console, 'log').mockImplementation(() => {});
  vi.spyOn(console, 'warn').mockImplementation(() => {});
  requireHere(path.join(work, 'app', 'main.cjs'));
  fake.state.ready();
  await until('the window', () => fake.state.windows.length > 0 && fake.state.ipcHandlers.has(IPC_INVOKE_CHANNEL));
}, 60_000);

afterAll(async () => {
  if (fake && fake.state.quitCalls === 0) {
    fake.electron.app.quit();
    await until('shutdown', () => fake.state.quitCalls >= 2, 15_000).catch(() => {});
  }
  delete requireHere.cache[electronPath];
  delete process.env['BATCHDECK_USER_DATA'];
  vi.restoreAllMocks();
  fs.rmSync(work, { recursive: true, force: true });
}, 30_000);

describe('the built main bundle with the real engine', () => {
  it('keeps its SQLite data in the user-data folder and loads the app scheme', () => {
    expect(fs.existsSync(path.join(userData, 'data', 'batchdeck.sqlite'))).toBe(true);
    expect(window0().loaded).toBe('batchdeck://app/index.html');
    expect(window0().options['webPreferences']).toMatchObject({ preload: path.join(work, 'app', 'preload.cjs'), sandbox: true, contextIsolation: true });
  });

  it('serves the built renderer with the CSP', async () => {
    const handler = fake.state.protocolHandlers.get('batchdeck')!;
    const page = await handler(new Request('batchdeck://app/'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(await page.text()).toContain('<title>Batchdeck</title>');
    const script = await handler(new Request('batchdeck://app/assets/app.js'));
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
  });

  it('answers the snapshot over IPC', async () => {
    const snapshot = await call<Snapshot>('app.snapshot', {});
    expect(snapshot).toMatchObject({ batches: [], settings: expect.objectContaining({ notifications: true }) });
  });

  it('validates a bad file dropped by its path, in the ingest worker, and queues nothing', async () => {
    const bad = BAD_CORPUS.find((c) => c.name === 'invalid-json')!;
    const file = path.join(work, 'bad.jsonl');
    fs.writeFileSync(file, bad.content());
    const uploadKey = randomUUID();
    const stored = await call<StoredUpload>('files.importPath', { path: file, uploadKey });
    expect(stored).toMatchObject({ filename: 'bad.jsonl', bytes: fs.statSync(file).size });
    const report = await call<UploadReport>('files.validate', { fileId: stored.fileId });
    expect(report.ok).toBe(false);
    expect(report.errors.map((e) => e.line)).toEqual(bad.expected.map((e) => e.line));
    expect(await call<BatchSummary[]>('batches.list', {})).toEqual([]);
    // The window follows the import's progress by the key it chose, as it does an upload's.
    const progress = window0().webContents.sent.filter((m) => m[0] === IPC_EVENT_CHANNEL && m[1] === 'upload.progress').map((m) => m[2] as UploadProgress);
    expect(progress.filter((p) => p.fileId === stored.fileId).length).toBeGreaterThan(0);
    expect(progress.filter((p) => p.fileId === stored.fileId).every((p) => p.uploadKey === uploadKey)).toBe(true);
    await expect(call('files.importPath', { path: file, uploadKey: 'not-a-uuid' })).rejects.toThrow(/invalid_input/);
  });

  it('runs a good file on the built-in simulator to completion, pushing events and a notification', async () => {
    const backend = await call<BackendInfo>('backends.startSimulator', {});
    expect(backend.simulated).toBe(true);
    const count = 40;
    const file = path.join(work, 'good.jsonl');
    fs.writeFileSync(file, goodBatchText({ count }));
    const stored = await call<StoredUpload>('files.importPath', { path: file });
    expect((await call<UploadReport>('files.validate', { fileId: stored.fileId })).ok).toBe(true);
    const batch = await call<BatchSummary>('batches.submit', { fileId: stored.fileId, name: 'good.jsonl' });
    const done = await until('completion', () => {
      const events = window0().webContents.sent.filter((m) => m[0] === IPC_EVENT_CHANNEL && m[1] === 'batch.updated');
      return events.map((m) => m[2] as BatchSummary).find((b) => b.id === batch.id && b.status === 'completed');
    }, 30_000);
    expect(done.counts).toMatchObject({ total: count, completed: count, failed: 0 });
    expect(fake.state.notifications).toContainEqual({ title: 'Batch completed: good.jsonl', body: `${count} / ${count} requests succeeded.` });

    // Download results: a save dialog, and the main process writes the file; nothing comes back but its path.
    fake.state.savePath = path.join(work, 'saved', 'results.jsonl');
    fs.mkdirSync(path.dirname(fake.state.savePath), { recursive: true });
    const saved = await call<{ path: string | null; lines: number }>('batches.saveResults', { id: batch.id, kind: 'output' });
    expect(saved).toEqual({ path: fake.state.savePath, lines: count });
    const lines = fs.readFileSync(fake.state.savePath, 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { custom_id: string }).custom_id)).toHaveLength(count);
    fake.state.savePath = null;
    expect(await call('batches.saveResults', { id: batch.id, kind: 'error' })).toEqual({ path: null, lines: 0 });
  }, 40_000);

  it('queues every request of a file over 32 MiB, whose rows the bundle writes on its own row-writer thread', async () => {
    // From 32 MiB the ingest worker starts a second worker; in the bundle it must find that one's script too
    // (it once looked in workers/workers/ and the ingest waited for ever).
    const count = 130_000;
    const { file, bytes } = await writeGoodBatchFile(path.join(work, 'big.jsonl'), { count });
    expect(bytes).toBeGreaterThan(32 * 1024 * 1024);
    const stored = await call<StoredUpload>('files.importPath', { path: file });
    const report = await call<UploadReport>('files.validate', { fileId: stored.fileId });
    expect(report).toMatchObject({ ok: true, lineCount: count });
    const batch = await call<BatchSummary>('batches.submit', { fileId: stored.fileId, name: 'big.jsonl', priority: 0 });
    let queued = batch;
    for (const deadline = Date.now() + 30_000; queued.status === 'validating' && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 50));
      queued = (await call<BatchSummary[]>('batches.list', {})).find((x) => x.id === batch.id)!;
    }
    expect(['queued', 'in_progress']).toContain(queued.status); // the simulator of the test above may take it at once
    expect(queued.counts.total).toBe(count);
    await call('batches.cancel', { id: batch.id });
  }, 60_000);

  it('refuses to import a path that is not a file, saying why', async () => {
    await expect(call('files.importPath', { path: path.join(work, 'no-such.jsonl') })).rejects.toThrow(/invalid_input: Could not read .*no-such\.jsonl: it does not exist/);
    await expect(call('files.importPath', { path: work })).rejects.toThrow(/it is a folder/);
  });

  it('closes the engine on quit', async () => {
    fake.electron.app.quit();
    await until('shutdown', () => fake.state.quitCalls >= 2);
    expect(fake.state.exitCode).toBeNull();
  });
});
