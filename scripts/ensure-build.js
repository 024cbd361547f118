// Builds the renderer (vite) and the Electron bundles (scripts/build-app.js) when an output is missing or
// older than any of its sources, so `npm start` after a `git pull` never shows an old window and a second
// `npm start` does not wait for builds it already has.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The newest modification time under `entries` (files or folders, missing ones ignored). */
function newestMtimeMs(root, entries) {
  let newest = 0;
  const visit = (abs) => {
    let stat;
    try {
      stat = fs.statSync(abs);
    } catch {
      return;
    }
    if (stat.isDirectory()) {
      for (const name of fs.readdirSync(abs)) visit(path.join(abs, name));
    } else if (stat.mtimeMs > newest) {
      newest = stat.mtimeMs;
    }
  };
  for (const entry of entries) visit(path.join(root, entry));
  return newest;
}

/** The oldest of `outputs`, or null when one is missing. */
function oldestMtimeMs(root, outputs) {
  let oldest = Infinity;
  for (const output of outputs) {
    try {
      oldest = Math.min(oldest, fs.statSync(path.join(root, output)).mtimeMs);
    } catch {
      return null;
    }
  }
  return oldest;
}

/** Why `outputs` must be rebuilt from `inputs`, or null when they are current. */
export function buildStaleReason(root, outputs, inputs) {
  const oldest = oldestMtimeMs(root, outputs);
  if (oldest === null) return 'not built yet';
  return newestMtimeMs(root, inputs) > oldest ? 'sources changed since the last build' : null;
}

const TARGETS = {
  renderer: {
    label: 'the window (vite)',
    outputs: ['dist/renderer/index.html'],
    inputs: ['src-renderer', 'shared', 'vite.config.ts', 'package-lock.json'],
    command: (root) => [process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'error']],
  },
  serve: {
    label: 'the headless engine (esbuild)',
    outputs: ['dist/serve/cli.cjs', 'dist/serve/serveCommand.cjs'],
    inputs: ['src-main', 'shared', 'scripts/build-app.js', 'package-lock.json'],
    command: (root) => [process.execPath, [path.join(root, 'scripts', 'build-app.js'), '--only', 'serve']],
  },
  app: {
    label: 'the desktop bundles (esbuild)',
    outputs: ['dist/app/main.cjs', 'dist/app/preload.cjs'],
    inputs: ['src-main', 'src-preload', 'shared', 'scripts/build-app.js', 'package-lock.json'],
    command: (root) => [process.execPath, [path.join(root, 'scripts', 'build-app.js')]],
  },
};

/** Builds `target` ('renderer' | 'serve' | 'app') when stale; exits the process with a one-line cause on failure. */
export function ensureBuilt(root, target, who) {
  const t = TARGETS[target];
  const reason = buildStaleReason(root, t.outputs, t.inputs);
  if (reason === null) return;
  process.stdout.write(`${who}: building ${t.label}: ${reason}\n`);
  const [cmd, args] = t.command(root);
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) {
    process.stderr.write(`${who}: building ${t.label} failed (exit ${res.status ?? res.signal}); the errors are above.\n`);
    process.exit(res.status || 1);
  }
}

// `node scripts/ensure-build.js renderer serve`: what `npm run serve` needs, built when stale.
const self = fileURLToPath(import.meta.url);
if (process.argv[1] && path.resolve(process.argv[1]) === self) {
  const root = path.resolve(path.dirname(self), '..');
  for (const target of process.argv.slice(2)) {
    if (!(target in TARGETS)) {
      process.stderr.write(`ensure-build: no target ${target} (${Object.keys(TARGETS).join(', ')})\n`);
      process.exit(2);
    }
    ensureBuilt(root, target, 'ensure-build');
  }
}
