// The machine's programs that `npm test` needs beyond node_modules: Chromium for the window's end-to-end tests,
// OpenSSH for the remote-node tests, Xvfb for the Electron window without a display, iproute2 for network
// namespaces, cmake/make/g++ to build llama.cpp. As root on Debian/Ubuntu they are installed with apt-get;
// elsewhere the exact command to run is printed and the suites that need them skip, saying why.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

function onPath(name) {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir, name), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const exists = (file) => fs.existsSync(file);

/** Each part: what it is, the Debian package that brings it, how to see it is there, and what needs it. */
export const SYSTEM_PARTS = [
  { id: 'chromium', name: 'Chromium (/usr/bin/chromium)', apt: 'chromium', present: () => exists('/usr/bin/chromium'), neededBy: 'the end-to-end tests of the window' },
  { id: 'fonts', name: 'DejaVu fonts', apt: 'fonts-dejavu-core', present: () => exists('/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'), neededBy: 'legible text in the window under Chromium' },
  { id: 'sshd', name: "OpenSSH's sshd (/usr/sbin/sshd)", apt: 'openssh-server', present: () => exists('/usr/sbin/sshd'), neededBy: 'the remote node tests (a real sshd on loopback)' },
  { id: 'ssh-keygen', name: 'ssh-keygen', apt: 'openssh-client', present: () => onPath('ssh-keygen'), neededBy: 'the remote node tests (host and user keys)' },
  { id: 'xvfb', name: 'Xvfb (xvfb-run)', apt: 'xvfb', present: () => onPath('xvfb-run') && onPath('Xvfb'), neededBy: 'the Electron window tests on a machine without a display' },
  { id: 'ip', name: 'iproute2 (ip)', apt: 'iproute2', present: () => onPath('ip') || exists('/usr/sbin/ip') || exists('/sbin/ip'), neededBy: 'the cluster tests in network namespaces' },
  { id: 'cmake', name: 'cmake', apt: 'cmake', present: () => onPath('cmake'), neededBy: 'the llama.cpp build (scripts/llama-build.js)' },
  { id: 'make', name: 'make', apt: 'make', present: () => onPath('make'), neededBy: 'the llama.cpp build (scripts/llama-build.js)' },
  { id: 'g++', name: 'g++', apt: 'g++', present: () => onPath('g++'), neededBy: 'the llama.cpp build (scripts/llama-build.js)' },
];

export function missingSystemParts() {
  return SYSTEM_PARTS.filter((part) => !part.present());
}

function canUseApt() {
  return process.platform === 'linux' && process.getuid?.() === 0 && exists('/etc/debian_version') && onPath('apt-get');
}

/** The command a user runs to install `parts`. */
export function installCommand(parts) {
  const packages = [...new Set(parts.map((p) => p.apt))].join(' ');
  if (process.platform === 'linux' && exists('/etc/debian_version')) {
    const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
    return `${sudo}apt-get update && ${sudo}apt-get install -y --no-install-recommends ${packages}`;
  }
  return `install with your system's package manager: ${parts.map((p) => p.name).join(', ')}`;
}

/**
 * Installs what is missing when this process may (root, Debian/Ubuntu), and returns what is still missing,
 * after printing the command that would install it. `who` names the command in messages.
 */
export function ensureSystemParts(who) {
  let missing = missingSystemParts();
  if (missing.length === 0) return [];
  if (canUseApt()) {
    const packages = [...new Set(missing.map((p) => p.apt))];
    process.stdout.write(`${who}: installing system packages with apt-get: ${packages.join(' ')}\n`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    const install = update.status === 0
      ? spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: ['ignore', 'ignore', 'inherit'], env })
      : update;
    if (install.status !== 0) process.stderr.write(`${who}: apt-get ${update.status === 0 ? 'install' : 'update'} failed (exit ${install.status ?? install.signal}); the suites that need these packages cannot run.\n`);
    missing = missingSystemParts();
  }
  if (missing.length > 0) {
    process.stdout.write(`${who}: missing on this machine: ${missing.map((p) => `${p.name}, for ${p.neededBy}`).join('; ')}.\n`);
    process.stdout.write(`${who}: to install them: ${installCommand(missing)}\n`);
  }
  return missing;
}
