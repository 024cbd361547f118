/**
 * The README's first command on a fresh machine: a clean clone, the machine's own Node on the PATH (not the
 * project's Node 24, which only `npm ci` brings), no Electron binary, no display, no network (npm installs
 * from its local cache). `npm start` must install, build, serve the window, and stop cleanly on Ctrl-C.
 *
 * It clones the committed HEAD of this repository (uncommitted work is not in a clone), or
 * BATCHDECK_FRESH_CLONE_FROM when set (a path or URL git can clone).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { getFreePort } from '../../support/freePort.ts';
import { REPO } from '../../support/processes.ts';

const STARTUP_LIMIT_MS = 300_000;
const STOP_LIMIT_MS = 30_000;

/** The environment of a user's shell on a fresh machine: none of npm's per-run variables, no node_modules/.bin. */
function freshShellEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || key === 'INIT_CWD' || key === 'DISPLAY' || key === 'WAYLAND_DISPLAY' || key === 'NODE_OPTIONS') continue;
    if (key.startsWith('VITEST') || key === 'TEST' || key === 'NODE_ENV') continue;
    env[key] = value;
  }
  env.PATH = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((dir) => !dir.includes(`${path.sep}node_modules${path.sep}`) && !dir.endsWith(`${path.sep}node_modules`))
    .join(path.delimiter);
  return { ...env, ...extra };
}

/** Pids of live processes in process group `pgid` (Linux /proc), zombies excluded. */
function processGroupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // Fields after "(comm)": state ppid pgrp ...; comm may contain spaces and parentheses.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') members.push(Number(name));
  }
  return members;
}

async function get(url: string): Promise<{ status: number; type: string; body: string } | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
  } catch {
    return null;
  }
}

const systemNpm = spawnSync('npm', ['--version'], { env: freshShellEnv({}), encoding: 'utf8' });
const unavailable = process.platform !== 'linux' ? 'reads /proc to find leftover processes (Linux only)'
  : systemNpm.status !== 0 ? 'npm is not on the PATH outside node_modules' : null;

describe.skipIf(unavailable !== null)('npm start in a fresh clone, without Electron, a display or a network', () => {
  let dir: string;
  let clone: string;
  let child: ChildProcess | undefined;
  let output = '';
  let port: number;
  let exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchdeck-fresh-clone-'));
    clone = path.join(dir, 'batchdeck');
    const from = process.env.BATCHDECK_FRESH_CLONE_FROM || REPO;
    const cloned = spawnSync('git', ['clone', '--quiet', from, clone], { encoding: 'utf8' });
    if (cloned.status !== 0) throw new Error(`git clone ${from} failed: ${cloned.stderr}`);
    port = await getFreePort();
    child = spawn('npm', ['start', '--', '--no-gpu'], {
      cwd: clone,
      // Its own process group, like a shell's foreground job, so Ctrl-C can be sent to all of it at once.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: freshShellEnv({
        ELECTRON_SKIP_BINARY_DOWNLOAD: '1',
        npm_config_offline: 'true',
        BATCHDECK_PORT: String(port),
        XDG_DATA_HOME: path.join(dir, 'data'),
      }),
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    exit = new Promise((resolve) => child!.on('exit', (code, signal) => resolve({ code, signal })));
  }, 60_000);

  afterAll(() => {
    // A failed run must not leave its processes behind: the whole group goes.
    if (child?.pid !== undefined) {
      for (const pid of processGroupMembers(child.pid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('installs, builds, serves the window with /health on the chosen port, and stops on Ctrl-C with status 0 leaving no process', { timeout: STARTUP_LIMIT_MS + STOP_LIMIT_MS + 30_000 }, async () => {
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + STARTUP_LIMIT_MS;
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    void exit.then((e) => (exited = e));
    let health = await get(`${base}/health`);
    while (health?.status !== 200 && exited === undefined && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      health = await get(`${base}/health`);
    }
    // npm_config_offline: every package of package-lock.json must be in npm's cache. `npm ci` with the network
    // (npm test runs one on a clean machine) fills it; `npm install <pkg>` may cache another form of the metadata.
    const cacheHint = /ENOTCACHED/.test(output) ? "\nnpm's cache lacks a package of package-lock.json: run `npm ci` once with the network (in any clone of this repository), then this test again." : '';
    expect(exited, `npm start ended before serving:\n${output}${cacheHint}`).toBeUndefined();
    expect(health?.status, `no /health at ${base} within ${STARTUP_LIMIT_MS / 1000} s:\n${output}`).toBe(200);
    expect(JSON.parse(health!.body)).toMatchObject({ executor: expect.any(Object), queue: expect.any(Object) });

    const window = await get(`${base}/`);
    expect(window?.status).toBe(200);
    expect(window?.type).toMatch(/text\/html/);
    expect(window?.body).toMatch(/<div id="root"/);

    // What the user reads: the install, and why this is not the desktop window.
    expect(output).toMatch(/npm start: installing dependencies with npm ci \(node_modules is missing\)/);
    expect(output).toMatch(new RegExp(`npm start: no desktop window \\(.+\\); the same window is served at http://127\\.0\\.0\\.1:${port}/ instead\\.`));

    const pgid = child!.pid!;
    expect(processGroupMembers(pgid).length).toBeGreaterThan(0);
    process.kill(-pgid, 'SIGINT');
    const stopped = await Promise.race([exit, new Promise<null>((r) => setTimeout(() => r(null), STOP_LIMIT_MS))]);
    expect(stopped, `npm start still runs ${STOP_LIMIT_MS / 1000} s after Ctrl-C:\n${output}`).not.toBeNull();
    expect(stopped, output).toEqual({ code: 0, signal: null });

    // Nothing of it is left: no process of its group, and nothing answers on its port.
    let left = processGroupMembers(pgid);
    for (let i = 0; i < 20 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 250));
      left = processGroupMembers(pgid);
    }
    expect(left, `processes left after Ctrl-C: ${left.map((pid) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')).join('; ')}`).toEqual([]);
    expect(await get(`${base}/health`)).toBeNull();
  });
});
