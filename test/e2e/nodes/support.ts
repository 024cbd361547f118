import { processAlive } from '../../support/processAlive.ts';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, type Locator, type Page } from '@playwright/test';
import { REPO, startServe, type Spawned } from '../../support/processes.ts';
import { startSshd, type SshdInstance, type SshdOptions } from '../../support/sshdHarness.ts';
import { writeStandinLlamaServer } from '../../support/standinLlamaServer.ts';

/**
 * What the Nodes specs run against: a real `batchdeck serve` (its own data folder, the stand-in llama-server
 * as `llama-server` on its PATH) and a real OpenSSH sshd on loopback whose sessions have the stand-in
 * rpc-server on PATH. Everything started here is stopped by its handle in `stop()`.
 */
export interface NodesStack {
  sshd: SshdInstance;
  serve: Spawned;
  url: string;
  /** An absolute path the stand-in llama-server loads; also the model id its /v1/models lists. */
  model: string;
  dataDir: string;
  /** pid of a coordinator the test saw, so a failed test does not leave it running (see stop). */
  noteCoordinatorPid(pid: number | null): void;
  stop(): Promise<void>;
}

export const GiB = 1024 ** 3;

const RENDERER_INDEX = path.join(REPO, 'dist/renderer/index.html');

/** serve looks for the built window once, when it starts: build it first if nobody has yet. */
export function ensureRendererBuilt(): void {
  if (fs.existsSync(RENDERER_INDEX)) return;
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: REPO, stdio: 'inherit', timeout: 120_000 });
}

/** Whether serve found the window: it answers `/` with a note instead when dist/renderer was missing then. */
async function servesWindow(url: string): Promise<boolean> {
  const res = await fetch(`${url}/`);
  await res.arrayBuffer();
  return res.ok && (res.headers.get('content-type') ?? '').startsWith('text/html');
}


async function stopServe(serve: Spawned): Promise<void> {
  const exited = serve.kill('SIGTERM');
  const timer = new Promise<'late'>((r) => setTimeout(() => r('late'), 15_000).unref());
  if ((await Promise.race([exited, timer])) === 'late') await serve.kill('SIGKILL');
}

export async function startNodesStack(options: { sshd?: SshdOptions; serveArgs?: string[] } = {}): Promise<NodesStack> {
  ensureRendererBuilt();
  const sshd = await startSshd(options.sshd);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchdeck-e2e-nodes-'));
  const binDir = path.join(dataDir, 'bin');
  fs.mkdirSync(binDir);
  writeStandinLlamaServer(binDir, { loadingMs: 600 });
  const model = path.join(dataDir, 'tiny-model.gguf');
  fs.writeFileSync(model, 'GGUF stand-in');
  const coordinatorPids = new Set<number>();
  let serve: Spawned | undefined;
  try {
    // The machine's operator allows the stand-in llama-server (the coordinator's default), the models in
    // the data folder and the test's SSH key.
    const allow = ['--llama-server', path.join(binDir, 'llama-server'), '--models-dir', dataDir, '--ssh-keys-dir', path.dirname(sshd.keyPath)];
    const launch = () => startServe(['--data-dir', dataDir, ...allow, ...(options.serveArgs ?? [])], { PATH: `${binDir}:${process.env.PATH ?? ''}` });
    serve = await launch();
    // Another checkout user's `vite build` empties dist/renderer while it runs: a serve started in that
    // moment has no window. Start it again once the build is back (bounded).
    for (let attempt = 1; !(await servesWindow(serve.url)); attempt++) {
      await stopServe(serve);
      serve = undefined;
      if (attempt > 3) throw new Error(`batchdeck serve did not find the built window in ${path.dirname(RENDERER_INDEX)} after ${attempt} starts`);
      const until = Date.now() + 30_000;
      while (!fs.existsSync(RENDERER_INDEX) && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
      await new Promise((r) => setTimeout(r, 1_000));
      serve = await launch();
    }
  } catch (err) {
    if (serve) await stopServe(serve);
    await sshd.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const running: Spawned = serve;
  return {
    sshd,
    serve: running,
    url: running.url,
    model,
    dataDir,
    noteCoordinatorPid(pid) {
      if (pid) coordinatorPids.add(pid);
    },
    async stop() {
      // serve stops its coordinator and drops the SSH sessions when it is told to stop.
      await stopServe(running);
      // Only when serve could not (it was killed): the stand-in it started, checked by its command line.
      for (const pid of coordinatorPids) {
        let cmdline = '';
        try {
          cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        } catch {
          continue;
        }
        if (processAlive(pid) && cmdline.includes('standin-llama-server')) process.kill(pid, 'SIGKILL');
      }
      await sshd.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** One node in the Nodes view: its row of facts and buttons, and the block under it (host key, log, messages). */
export function nodeBlock(page: Page, name: string): { row: Locator; block: Locator } {
  const row = page.getByRole('row', { name: `Node ${name}`, exact: true });
  return { row, block: page.locator('tbody', { has: row }) };
}

/** The cells of a node row, in the order of the table's columns. */
export function nodeCells(row: Locator): { state: Locator; version: Locator; memory: Locator; latency: Locator } {
  const cells = row.getByRole('cell');
  return { state: cells.nth(0), version: cells.nth(1), memory: cells.nth(2), latency: cells.nth(3) };
}

/** The value next to a label in a panel's list of facts (State, Serving at, Model, PID, Endpoints). */
export function fact(scope: Locator, label: string): Locator {
  return scope.locator('dl > div').filter({ has: scope.page().locator('dt', { hasText: new RegExp(`^${label}$`) }) }).locator('dd');
}

/** Fills the "Add a node" form for the harness sshd with key-file authentication and submits it. */
export async function addNodeThroughForm(page: Page, o: { name: string; sshd: SshdInstance; rpcPort: number; acceptedFingerprint?: string }): Promise<void> {
  await page.getByRole('button', { name: 'Add node…' }).click();
  const form = page.getByRole('form', { name: 'Add a node' });
  await expect(form).toBeVisible();
  await form.getByLabel('Name', { exact: true }).fill(o.name);
  await form.getByLabel('Host', { exact: true }).fill(o.sshd.host);
  await form.getByLabel('SSH port', { exact: true }).fill(String(o.sshd.port));
  await form.getByLabel('User', { exact: true }).fill(o.sshd.user);
  await form.getByLabel('Authentication', { exact: true }).selectOption('key');
  await form.getByLabel('Key file', { exact: true }).fill(o.sshd.keyPath);
  await form.getByLabel('RPC port', { exact: true }).fill(String(o.rpcPort));
  if (o.acceptedFingerprint) await form.getByLabel('Accepted fingerprint (optional)', { exact: true }).fill(o.acceptedFingerprint);
  await form.getByRole('button', { name: 'Add node', exact: true }).click();
  await expect(form).toBeHidden();
}

/** The pid file the engine keeps on the node for rpc-server on this port (absent: nothing was started). */
export function rpcPidFile(sshd: SshdInstance, rpcPort: number): string {
  return path.join(sshd.homeDir, '.batchdeck', `rpc-server-${rpcPort}.pid`);
}
