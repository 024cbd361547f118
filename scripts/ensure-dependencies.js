// Installs node_modules with `npm ci` when it is missing or older than package-lock.json, for `npm start` and
// `npm test` on a fresh clone. This runs before the project's Node exists (node_modules/.bin/node comes from
// the `node` devDependency), so under the machine's Node, which may be 20: plain JavaScript only.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

function mtimeMs(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return null;
  }
}

/** Why node_modules must be (re)installed, or null when it is current. */
export function dependenciesStaleReason(root) {
  const modules = path.join(root, 'node_modules');
  if (!fs.existsSync(modules)) return 'node_modules is missing';
  // npm writes this hidden lockfile last, at the end of every install: its age is the install's age.
  const installed = mtimeMs(path.join(modules, '.package-lock.json'));
  if (installed === null) return 'node_modules is incomplete (no node_modules/.package-lock.json)';
  const locked = mtimeMs(path.join(root, 'package-lock.json'));
  if (locked !== null && locked > installed) return 'node_modules is older than package-lock.json';
  if (!fs.existsSync(projectNodePath(root))) return "the project's Node (node_modules/.bin/node) is missing";
  return null;
}

export function projectNodePath(root) {
  return path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'node.cmd' : 'node');
}

/**
 * `npm ci` when needed, with one line saying why; exits the process when it fails, since nothing after it
 * can run. `who` names the command for the messages ("npm start").
 */
export function ensureDependencies(root, who) {
  const reason = dependenciesStaleReason(root);
  if (reason === null) return;
  process.stdout.write(`${who}: installing dependencies with npm ci (${reason})\n`);
  // npm ci deletes node_modules, and with it the project's Node that npm's PATH may point `node` at: the
  // install runs with node_modules/.bin taken off the PATH, so its scripts use the machine's Node.
  const PATH = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((dir) => !dir.endsWith(`${path.sep}node_modules${path.sep}.bin`))
    .join(path.delimiter);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // EBADENGINE warnings are expected here (the machine's Node is older than the project's): only errors show.
  const res = spawnSync(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: root,
    stdio: 'inherit',
    // npm releases before 11 ignore package.json's allowScripts and would run electron's postinstall, an
    // unbounded download; `npm start` tries that download itself, with a time limit, when it needs the window.
    env: { ELECTRON_SKIP_BINARY_DOWNLOAD: '1', ...process.env, PATH },
    shell: process.platform === 'win32',
  });
  if (res.status !== 0) {
    const why = res.error ? res.error.message : `exit ${res.status ?? res.signal}`;
    process.stderr.write(`${who}: npm ci failed in ${root} (${why}); fix the error above (network? npm's cache?) and run ${who} again.\n`);
    process.exit(1);
  }
  if (!fs.existsSync(projectNodePath(root))) {
    process.stderr.write(`${who}: npm ci finished but ${projectNodePath(root)} is missing; the \`node\` devDependency's install script did not run (npm's allowScripts must allow "node").\n`);
    process.exit(1);
  }
}
