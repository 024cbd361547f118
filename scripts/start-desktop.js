#!/usr/bin/env node
// `npm start`: build the renderer and the app bundles, then run the desktop app in Electron.
//
// The electron npm package does not ship its binary: node_modules/electron/index.js reads path.txt and,
// when the binary (dist/<path.txt>) is missing, downloads it synchronously from GitHub on the first
// require('electron') (install.js via @electron/get). Requiring it here would therefore hang on a slow
// network or print a stack on a machine without one. So this script looks for the binary itself, tries the
// download once with a time limit when it is missing, and otherwise says so in one line and exits 1.
//
// Environment:
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

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

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

/** One bounded attempt at electron's own installer; its output is kept out of the way. */
function tryDownload(pkgDir) {
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD === '1') return 'download skipped (ELECTRON_SKIP_BINARY_DOWNLOAD=1)';
  const timeout = Number(process.env.BATCHDECK_ELECTRON_DOWNLOAD_TIMEOUT_MS) || 120_000;
  const res = spawnSync(process.execPath, [path.join(pkgDir, 'install.js')], { cwd: pkgDir, timeout, encoding: 'utf8', killSignal: 'SIGKILL' });
  if (res.error?.code === 'ETIMEDOUT') return `download timed out after ${Math.ceil(timeout / 1000)} s`;
  if (res.status === 0) return null;
  const reason = `${res.stderr ?? ''}\n${res.stdout ?? ''}`.split('\n').map((l) => l.trim()).find((l) => /error|fail|ENOTFOUND|EAI_AGAIN|ECONN/i.test(l));
  return `download failed${reason ? `: ${reason.replace(/^\w*Error:\s*/, '').slice(0, 120)}` : ''}`;
}

function run(command, args, label) {
  const res = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) {
    console.error(`npm start: ${label} failed (exit ${res.status ?? res.signal}).`);
    process.exit(res.status || 1);
  }
}

function main() {
  let { binary, pkgDir } = findElectronBinary();
  if (!binary && pkgDir) {
    const why = tryDownload(pkgDir);
    ({ binary } = findElectronBinary());
    if (!binary) {
      console.error(`The Electron binary is not available on this machine (${why ?? 'not installed'}); run the same app in your browser with \`npm run serve\` instead.`);
      process.exit(1);
    }
  } else if (!binary) {
    console.error('The electron package is not installed (run `npm install`), or use `npm run serve` to run the app in your browser.');
    process.exit(1);
  }

  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  run(npm, ['run', '--silent', 'build:renderer'], 'the renderer build (vite)');
  run(process.execPath, [path.join(root, 'scripts', 'build-app.js')], 'the app build (esbuild)');

  const args = ['.'];
  if (process.env.BATCHDECK_NO_SANDBOX === '1') args.unshift('--no-sandbox');
  // ELECTRON_RUN_AS_NODE (set by some editors' terminals) would make Electron a plain Node and skip the app.
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  const child = spawn(binary, args, { cwd: root, stdio: 'inherit', env });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
