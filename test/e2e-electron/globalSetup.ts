import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { electronBinaryAvailable, repoRoot } from './electronBinary.ts';

/** Builds what Electron loads (renderer + app bundles), only where the specs will actually run. */
export default function globalSetup(): void {
  if (!electronBinaryAvailable || process.env['BATCHDECK_SKIP_BUILD'] === '1') return;
  const steps: [string, string[]][] = [
    [process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', 'build:renderer']],
    [process.execPath, [path.join(repoRoot, 'scripts', 'build-app.js')]],
  ];
  for (const [command, args] of steps) {
    const res = spawnSync(command, args, { cwd: repoRoot, stdio: 'inherit' });
    if (res.status !== 0) throw new Error(`${[command, ...args].join(' ')} failed (exit ${res.status ?? res.signal})`);
  }
}
