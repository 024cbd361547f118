import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The Electron executable, found the way node_modules/electron/index.js finds it (path.txt, dist/,
 * ELECTRON_OVERRIDE_DIST_PATH) but without its fallback, which downloads the binary from GitHub on the
 * spot: a test run must not hang on the network. BATCHDECK_ELECTRON_BINARY names a binary directly.
 */
export function findElectronBinary(): string | null {
  const explicit = process.env['BATCHDECK_ELECTRON_BINARY'];
  if (explicit) return fs.existsSync(explicit) ? explicit : null;
  let pkgDir: string;
  try {
    pkgDir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json', { paths: [repoRoot] }));
  } catch {
    return null;
  }
  const fallback = process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : process.platform === 'win32' ? 'electron.exe' : 'electron';
  let relative = fallback;
  try {
    relative = fs.readFileSync(path.join(pkgDir, 'path.txt'), 'utf8').trim() || fallback;
  } catch {
    // No path.txt: the binary was never installed.
  }
  const override = process.env['ELECTRON_OVERRIDE_DIST_PATH'];
  const binary = override ? path.join(override, relative) : path.join(pkgDir, 'dist', relative);
  return fs.existsSync(binary) ? binary : null;
}

export const electronBinary = findElectronBinary();
export const electronBinaryAvailable = electronBinary !== null;
export const SKIP_REASON = 'Electron binary not available on this machine (no download): the renderer is covered by the Chromium e2e specs';
