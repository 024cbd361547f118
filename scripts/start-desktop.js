#!/usr/bin/env node
// `npm start`, from a clean clone: install what is missing, build what is stale, then run the desktop app in
// Electron, or, where Electron cannot show a window, the same engine headless with the same window served at
// http://127.0.0.1:4080/ (opened in the system browser when there is a display). Runs until Ctrl-C.
//
// On a fresh clone npm runs this under the machine's Node (20 on Debian): node_modules/.bin/node, the
// project's Node 24, does not exist yet. So this file is plain JavaScript that Node 20 can load; it runs
// `npm ci` and then hands itself over to the project's Node, which loads the TypeScript engine.
// package.json runs it as `exec node ...`: without the exec, npm's `sh -c` sits in between, dies of Ctrl-C's
// SIGINT before Batchdeck has closed, and npm reports the signal instead of Batchdeck's exit status.
//
// The electron npm package does not ship its binary: node_modules/electron/index.js reads path.txt and,
// when the binary (dist/<path.txt>) is missing, downloads it synchronously from GitHub on the first
// require('electron'). Requiring it here would hang on a slow network or print a stack without one. So this
// script looks for the binary itself and tries the download once, with a time limit.
//
// Usage: npm start [-- --port N] [-- <batchdeck serve options> for the headless window]
// Environment:
//   BATCHDECK_PORT                port of the headless window (default 4080; --port wins)
//   ELECTRON_OVERRIDE_DIST_PATH   folder of an Electron build to use (honoured by electron/index.js too)
//   ELECTRON_SKIP_BINARY_DOWNLOAD=1  do not try to download
//   BATCHDECK_ELECTRON_DOWNLOAD_TIMEOUT_MS  limit of the download attempt (default 120000)
//   BATCHDECK_NO_SANDBOX=1        pass --no-sandbox (only for containers running as root, where Chromium's
//                                 OS sandbox cannot start; the renderer stays sandboxed by the app itself)
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDependencies } from './ensure-dependencies.js';
import { handOverToProjectNode } from './ensure-project-node.js';
import { ensureBuilt } from './ensure-build.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const WHO = 'npm start';

/** Where electron/index.js would look, without letting it download anything. Null when absent. */
export function findElectronBinary() {
  let pkgDir;
  try {
    pkgDir = path.dirname(require.resolve('electron/package.json', { paths: [root] }));
  } catch {
    return { binary: null, pkgDir: null };
  }
  const platformPath = {
    darwin: 'Electron.app/Contents/MacOS/Electron',
    mas: 'Electron.app/Contents/MacOS/Electron',
    win32: 'electron.exe',
  }[process.platform] ?? 'electron';
  let relative = platformPath;
  try {
    relative = fs.readFileSync(path.join(pkgDir, 'path.txt'), 'utf8').trim() || platformPath;
  } catch {
    // No path.txt: the package was installed without its postinstall (or the download failed).
  }
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const binary = override ? path.join(override, relative) : path.join(pkgDir, 'dist', relative);
  return { binary: fs.existsSync(binary) ? binary : null, pkgDir };
}

/** One bounded attempt at electron's own installer; its output is kept out of the way. Null on success. */
function tryDownload(pkgDir) {
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD === '1') return 'its download is turned off by ELECTRON_SKIP_BINARY_DOWNLOAD=1';
  const timeout = Number(process.env.BATCHDECK_ELECTRON_DOWNLOAD_TIMEOUT_MS) || 120_000;
  process.stdout.write(`${WHO}: downloading the Electron binary (at most ${Math.ceil(timeout / 1000)} s)\n`);
  const res = spawnSync(process.execPath, [path.join(pkgDir, 'install.js')], { cwd: pkgDir, timeout, encoding: 'utf8', killSignal: 'SIGKILL' });
  if (res.error?.code === 'ETIMEDOUT') return `its download timed out after ${Math.ceil(timeout / 1000)} s`;
  if (res.status === 0) return null;
  const reason = `${res.stderr ?? ''}\n${res.stdout ?? ''}`.split('\n').map((l) => l.trim()).find((l) => /error|fail|ENOTFOUND|EAI_AGAIN|ECONN/i.test(l));
  return `its download failed${reason ? `: ${reason.replace(/^\w*Error:\s*/, '').slice(0, 120)}` : ''}`;
}

/** The Electron binary to run, or why there is none. */
function desktopWindow() {
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { reason: 'no display: DISPLAY and WAYLAND_DISPLAY are not set' };
  }
  const found = findElectronBinary();
  if (found.binary) return { binary: found.binary };
  if (!found.pkgDir) return { reason: 'the electron package is not installed' };
  const why = tryDownload(found.pkgDir);
  const again = findElectronBinary();
  return again.binary ? { binary: again.binary } : { reason: `the Electron binary is not on this machine and ${why ?? 'its download left no binary'}` };
}

function runDesktop(binary, extraArgs) {
  ensureBuilt(root, 'app', WHO);
  const args = ['.', ...extraArgs];
  if (process.env.BATCHDECK_NO_SANDBOX === '1') args.unshift('--no-sandbox');
  // ELECTRON_RUN_AS_NODE (set by some editors' terminals) would make Electron a plain Node and skip the app.
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  const child = spawn(binary, args, { cwd: root, stdio: 'inherit', env });
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    });
  }
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1)));
}

async function main() {
  ensureDependencies(root, WHO);
  if (handOverToProjectNode(root, import.meta.url, WHO)) return;
  const argv = process.argv.slice(2);
  ensureBuilt(root, 'renderer', WHO);
  const desktop = desktopWindow();
  if (desktop.binary) {
    runDesktop(desktop.binary, argv);
    return;
  }
  ensureBuilt(root, 'serve', WHO);
  const { startHeadless } = await import('./start-headless.js');
  const status = await startHeadless({ reason: desktop.reason, argv, who: WHO });
  // Exit at once rather than let the loop drain: a natural exit first closes the signal handles, and Ctrl-C's
  // second SIGINT (npm forwards the terminal's) landing in that moment would kill the process by signal.
  process.exit(status);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    process.stderr.write(`${WHO}: ${err?.stack ?? err}\n`);
    process.exit(1);
  });
}
