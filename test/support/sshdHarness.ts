import { freeLocalPort } from '../../src-main/core/net/freeLocalPort.ts';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256Fingerprint } from '../../src-main/core/nodes/hostKey.ts';
import { skipUnlessCi } from './prerequisite.ts';

/**
 * A real OpenSSH sshd on 127.0.0.1 for tests: throwaway host key and user key, its own temp folder, and
 * sessions whose HOME is a temp folder too (so each instance is a separate "node" with its own
 * ~/.batchdeck) and whose PATH holds a stand-in rpc-server. Works as root (logs in as root with the key)
 * and as an ordinary user (sshd can then only log in as that user, which is the one the tests use).
 */

export const SSHD_PATH = '/usr/sbin/sshd';
const here = path.dirname(fileURLToPath(import.meta.url));
export const STANDIN_RPC_ENTRY = path.join(here, 'standin-rpc-server.ts');
export const STANDIN_LLAMA_ENTRY = path.join(here, 'standin-llama-server.ts');

/** Node 24, as an absolute path: sessions started by sshd have no npx PATH. */
export function node24Path(): string {
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= 24) return process.execPath;
  return path.resolve(here, '../../node_modules/.bin/node');
}

/** Why the sshd tests cannot run here, or null when they can; under CI=true a missing sshd fails instead. */
export function sshdUnavailableReason(): string | null {
  return skipUnlessCi(sshdMissing());
}

function sshdMissing(): string | null {
  if (process.platform !== 'linux') return `sshd tests run on Linux only (this is ${process.platform})`;
  if (!fs.existsSync(SSHD_PATH)) return `${SSHD_PATH} is not installed: apt-get install -y openssh-server`;
  for (const tool of ['ssh-keygen']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed: apt-get install -y openssh-client`;
    }
  }
  return null;
}

export interface SshdOptions {
  /** Put a stand-in rpc-server on the sessions' PATH (default true); false makes "binary missing". */
  withRpcServer?: boolean;
  /** Names the stand-in answers to on PATH (default rpc-server). */
  rpcServerNames?: string[];
  /** Extra arguments baked into the wrapper, e.g. ['--proto', '3', '--devices', '2']. */
  rpcServerArgs?: string[];
  /** Allow password logins (for the wrong-password test). */
  passwordAuth?: boolean;
  /** Run sshd inside this network namespace (`ip netns exec`), listening on `listenAddress` (see test/support/netns). */
  netns?: string;
  /** Default 127.0.0.1; with `netns`, the namespace's address. */
  listenAddress?: string;
  /** Default: a free local port (with `netns`, 22 is natural: the namespace has its own ports). */
  port?: number;
}

export interface SshdInstance {
  host: string;
  port: number;
  user: string;
  /** The throwaway user key (ed25519, no passphrase). */
  keyPath: string;
  hostKeyFingerprint: string;
  /** Where the rpc-server wrapper lives; on the sessions' PATH. */
  binDir: string;
  /** The sessions' HOME: the node's ~. */
  homeDir: string;
  dir: string;
  /** Lines sshd wrote to stderr (-e), for diagnosing a failing test. */
  log: string[];
  /** Drops every open SSH connection at once, as a network cut would; sshd keeps listening. */
  cutConnections(): void;
  /** Restarts sshd on the same port with a new host key (a reinstalled or impersonated node). */
  rotateHostKey(): Promise<void>;
  /** Kills only the listening sshd: new logins fail, open sessions live on (as after `systemctl stop ssh`). */
  killListener(): Promise<void>;
  /** Starts sshd again on the same address, port and host key (after killListener). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export const freePort = freeLocalPort;

function keygen(file: string, comment: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file], { stdio: 'ignore' });
}

function fingerprintOfPub(pubFile: string): string {
  const blob = fs.readFileSync(pubFile, 'utf8').trim().split(/\s+/)[1] ?? '';
  return sha256Fingerprint(Buffer.from(blob, 'base64'));
}

function writeRpcWrapper(binDir: string, names: string[], extraArgs: string[]): void {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const script = `#!/bin/sh\n# Stand-in llama.cpp rpc-server for tests.\nexec ${q(node24Path())} ${q(STANDIN_RPC_ENTRY)} ${extraArgs.map(q).join(' ')} "$@"\n`;
  for (const name of names) {
    const file = path.join(binDir, name);
    fs.writeFileSync(file, script, { mode: 0o755 });
  }
}

function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (after the parenthesised command, which may hold spaces) is the parent pid.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // the process went away while we looked
    }
  }
  return out;
}

function waitForBanner(host: string, port: number, proc: ChildProcess, log: string[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (proc.exitCode !== null) {
        reject(new Error(`sshd exited with status ${proc.exitCode} before listening:\n${log.join('\n')}`));
        return;
      }
      const s = net.connect(port, host);
      s.once('data', (d) => {
        s.destroy();
        if (d.toString().startsWith('SSH-')) resolve();
        else retry();
      });
      s.once('error', () => retry());
    };
    const retry = () => {
      if (Date.now() > deadline) reject(new Error(`sshd did not listen on ${host}:${port} within ${timeoutMs} ms:\n${log.join('\n')}`));
      else setTimeout(attempt, 50);
    };
    attempt();
  });
}

export async function startSshd(options: SshdOptions = {}): Promise<SshdInstance> {
  const reason = sshdUnavailableReason();
  if (reason) throw new Error(reason);
  const isRoot = process.getuid?.() === 0;
  const user = os.userInfo().username;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchdeck-sshd-'));
  const binDir = path.join(dir, 'bin');
  const homeDir = path.join(dir, 'home');
  fs.mkdirSync(binDir);
  fs.mkdirSync(homeDir);
  if (options.withRpcServer !== false) writeRpcWrapper(binDir, options.rpcServerNames ?? ['rpc-server'], options.rpcServerArgs ?? []);
  if (isRoot) fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  const hostKey = path.join(dir, 'ssh_host_ed25519_key');
  const userKey = path.join(dir, 'id_ed25519');
  keygen(hostKey, 'batchdeck-test-host');
  keygen(userKey, 'batchdeck-test-user');
  fs.copyFileSync(`${userKey}.pub`, path.join(dir, 'authorized_keys'));

  const host = options.listenAddress ?? '127.0.0.1';
  const port = options.port ?? await freePort();
  const config = path.join(dir, 'sshd_config');
  const sessionPath = [binDir, '/usr/local/bin', '/usr/bin', '/bin'].join(':');
  fs.writeFileSync(config, [
    `Port ${port}`,
    `ListenAddress ${host}`,
    `HostKey ${hostKey}`,
    'PidFile none',
    `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
    // The temp folder is not owned the way StrictModes wants; the keys are throwaway.
    'StrictModes no',
    'UsePAM no',
    'PubkeyAuthentication yes',
    `PasswordAuthentication ${options.passwordAuth ? 'yes' : 'no'}`,
    'KbdInteractiveAuthentication no',
    `PermitRootLogin ${options.passwordAuth ? 'yes' : 'prohibit-password'}`,
    'AllowTcpForwarding yes',
    'MaxSessions 64',
    'MaxStartups 64',
    'LogLevel INFO',
    // Each instance is its own "node": its own ~ (pid and log files) and a PATH with the stand-in.
    `SetEnv PATH=${sessionPath} HOME=${homeDir}`,
    '',
  ].join('\n'));

  const log: string[] = [];
  let proc: ChildProcess;
  const launch = async (): Promise<void> => {
    // `ip netns exec` execs sshd in place, so proc.pid is sshd's own pid either way.
    const argv = [SSHD_PATH, '-D', '-e', '-f', config];
    proc = options.netns
      ? spawn('ip', ['netns', 'exec', options.netns, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr!.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n')) if (line) log.push(line);
      if (log.length > 500) log.splice(0, log.length - 500);
    });
    await waitForBanner(host, port, proc, log);
  };
  await launch();

  const killSshd = async (): Promise<void> => {
    const p = proc;
    if (p.exitCode !== null || p.signalCode !== null) return;
    for (const child of childPids(p.pid!)) {
      try { process.kill(child, 'SIGKILL'); } catch { /* gone */ }
    }
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
    });
  };

  const instance: SshdInstance = {
    host,
    port,
    user,
    keyPath: userKey,
    hostKeyFingerprint: fingerprintOfPub(`${hostKey}.pub`),
    binDir,
    homeDir,
    dir,
    log,
    cutConnections() {
      for (const child of childPids(proc.pid!)) {
        try { process.kill(child, 'SIGKILL'); } catch { /* gone */ }
      }
    },
    async killListener() {
      const p = proc;
      if (p.exitCode !== null || p.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        p.once('exit', () => resolve());
        p.kill('SIGKILL');
      });
    },
    async restart() {
      if (proc.exitCode === null && proc.signalCode === null) return;
      await launch();
    },
    async rotateHostKey() {
      await killSshd();
      fs.rmSync(hostKey, { force: true });
      fs.rmSync(`${hostKey}.pub`, { force: true });
      keygen(hostKey, 'batchdeck-test-host-rotated');
      instance.hostKeyFingerprint = fingerprintOfPub(`${hostKey}.pub`);
      await launch();
    },
    async stop() {
      await killSshd();
      killLeftoverRpcServers(homeDir);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return instance;
}

/** A test that failed half-way must not leave a stand-in holding a port for the next one. */
function killLeftoverRpcServers(homeDir: string): void {
  const stateDir = path.join(homeDir, '.batchdeck');
  if (!fs.existsSync(stateDir)) return;
  for (const f of fs.readdirSync(stateDir)) {
    if (!f.endsWith('.pid')) continue;
    const pid = Number(fs.readFileSync(path.join(stateDir, f), 'utf8').trim());
    let cmdline = '';
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue; // gone
    }
    // Never signal a recycled pid (or this test process): only a stand-in rpc-server.
    if (Number.isInteger(pid) && pid > 1 && pid !== process.pid && cmdline.includes('rpc-server')) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
  }
}

/**
 * A throwaway local user with a known password, for password-auth tests. Needs root (useradd, chpasswd);
 * returns the reason instead when it cannot be had.
 */
export function createPasswordUser(): { user: string; password: string; remove(): void } | { skip: string } {
  if (process.getuid?.() !== 0) return { skip: 'creating a user with a password needs root (useradd/chpasswd)' };
  for (const tool of ['useradd', 'chpasswd', 'userdel']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return { skip: `${tool} is not installed` };
    }
  }
  const user = `bdtest${process.pid % 100000}`;
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  try {
    execFileSync('userdel', ['-r', user], { stdio: 'ignore' });
  } catch {
    // did not exist
  }
  execFileSync('useradd', ['-M', '-s', '/bin/sh', user], { stdio: 'ignore' });
  execFileSync('chpasswd', [], { input: `${user}:${password}\n` });
  return {
    user,
    password,
    remove() {
      try { execFileSync('userdel', [user], { stdio: 'ignore' }); } catch { /* already gone */ }
    },
  };
}
