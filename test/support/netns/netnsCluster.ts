import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startSshd, type SshdInstance } from '../sshdHarness.ts';
import { execInNetns, IP_PATH, ipSync, pidsInNetns, type ExecResult } from './ipCommand.ts';
import { names, OWNER_DIR, removeRun, sweepStaleRuns } from './staleSweep.ts';

/**
 * Real remote hosts for fault tests: N network namespaces, each with its own address on a private bridge
 * and a real OpenSSH sshd on port 22, reachable from the test process (the "workstation", which owns the
 * bridge address .1). No route leads out of the namespaces: traffic stays among these hosts. Needs root;
 * check netnsUnavailableReason() first.
 *
 *   const cluster = await startNetnsCluster({ nodes: 2, rpcServer: { binary: llama.rpcServer } });
 *   try {
 *     const [a] = cluster.nodes;              // a.address, a.sshd.{port,user,keyPath,hostKeyFingerprint}
 *     await cluster.ssh(a, 'rpc-server --help');   // a command over real ssh
 *     await cluster.cutLink(a);               // packets to/from a vanish (bridge port down), nothing is reset
 *     await cluster.restoreLink(a);
 *     await cluster.killSshSessions(a);       // the per-connection sshd processes: every session drops
 *     await cluster.killSshd(a);              // the listening sshd only; cluster.startSshd(a) brings it back
 *     await cluster.exec(a, 'ss', ['-tn']);   // a command inside the namespace, without ssh
 *     cluster.processes(a);                   // [{ pid, cmdline }] of what runs in a's namespace
 *   } finally {
 *     await cluster.cleanup();                // also runs at process exit; a crashed run is swept by the next
 *   }
 *
 * With `rpcServer: { binary }`, `rpc-server` and `ggml-rpc-server` on the nodes' PATH are that binary (the
 * real llama.cpp one); with 'standin' they are the test stand-in; 'none' leaves them out.
 */

export interface NetnsNode {
  /** node1, node2, ...: a name for messages and Batchdeck's node list. */
  name: string;
  index: number;
  netns: string;
  /** The node's address on the bridge; its sshd listens here on port 22. */
  address: string;
  /** host (= address), port, user, keyPath, hostKeyFingerprint, homeDir (the session's ~), binDir (on PATH), log. */
  sshd: SshdInstance;
  /** The bridge-side end of the node's cable: what cutLink takes down. */
  hostVeth: string;
}

export interface NetnsCluster {
  runId: string;
  bridge: string;
  /** The test process's address on the bridge (what the nodes see connections come from). */
  workstationAddress: string;
  subnet: string;
  nodes: NetnsNode[];
  cutLink(node: NetnsNode): Promise<void>;
  restoreLink(node: NetnsNode): Promise<void>;
  killSshd(node: NetnsNode): Promise<void>;
  startSshd(node: NetnsNode): Promise<void>;
  killSshSessions(node: NetnsNode): Promise<void>;
  exec(node: NetnsNode, cmd: string, args?: string[], options?: { timeoutMs?: number; input?: string }): Promise<ExecResult>;
  spawn(node: NetnsNode, cmd: string, args?: string[], options?: SpawnOptions): ChildProcess;
  /** A shell command on the node over real ssh (the node's sshd, key auth as root), with its session PATH and HOME. */
  ssh(node: NetnsNode, command: string, options?: { timeoutMs?: number }): Promise<ExecResult>;
  /** Pids of every process in the node's namespace (sshd, sessions, rpc-server...). */
  pids(node: NetnsNode): number[];
  /** The same with their command lines (arguments joined by spaces), e.g. to find the node's rpc-server. */
  processes(node: NetnsNode): { pid: number; cmdline: string }[];
  cleanup(): Promise<void>;
}

export interface NetnsClusterOptions {
  nodes: number;
  rpcServer?: { binary: string } | 'standin' | 'none';
}

function usedThirdOctets(): Set<number> {
  const used = new Set<number>();
  for (const m of ipSync(['-4', '-o', 'addr', 'show']).matchAll(/inet 10\.213\.(\d+)\./g)) used.add(Number(m[1]));
  return used;
}

function pickSubnetOctet(): number {
  const used = usedThirdOctets();
  for (let tries = 0; tries < 500; tries++) {
    const o = 1 + crypto.randomInt(254);
    if (!used.has(o)) return o;
  }
  throw new Error('no free 10.213.X.0/24 subnet for the test network: remove leftover bdnt* links (ip -o link | grep bdnt)');
}

export async function startNetnsCluster(options: NetnsClusterOptions): Promise<NetnsCluster> {
  if (options.nodes < 1 || options.nodes > 20) throw new Error(`nodes must be 1..20, got ${options.nodes}`);
  sweepStaleRuns();
  const runId = crypto.randomBytes(2).toString('hex');
  const n = names(runId);
  const octet = pickSubnetOctet();
  const subnet = `10.213.${octet}.0/24`;
  const workstationAddress = `10.213.${octet}.1`;
  fs.mkdirSync(OWNER_DIR, { recursive: true });
  const owner = { pid: process.pid, startedAt: new Date().toISOString(), subnet, sshdDirs: [] as string[] };
  fs.writeFileSync(n.ownerFile, JSON.stringify(owner));

  const nodes: NetnsNode[] = [];
  let cleaned = false;
  const cleanupSync = () => {
    if (cleaned) return;
    cleaned = true;
    removeRun(runId);
  };
  // A test that throws past its afterAll, or a worker that exits, still leaves no namespaces behind.
  process.once('exit', cleanupSync);

  const cleanup = async () => {
    if (cleaned) return;
    for (const node of nodes) {
      try { await node.sshd.stop(); } catch { /* best effort: removeRun kills what is left */ }
    }
    cleanupSync();
    process.removeListener('exit', cleanupSync);
  };

  try {
    ipSync(['link', 'add', n.bridge, 'type', 'bridge']);
    ipSync(['addr', 'add', `${workstationAddress}/24`, 'dev', n.bridge]);
    ipSync(['link', 'set', n.bridge, 'up']);
    for (let i = 1; i <= options.nodes; i++) {
      const netns = n.netns(i);
      const address = `10.213.${octet}.${10 + i}`;
      ipSync(['netns', 'add', netns]);
      ipSync(['link', 'add', n.hostVeth(i), 'type', 'veth', 'peer', 'name', n.nodeVeth(i), 'netns', netns]);
      ipSync(['link', 'set', n.hostVeth(i), 'master', n.bridge]);
      ipSync(['link', 'set', n.hostVeth(i), 'up']);
      ipSync(['-n', netns, 'link', 'set', n.nodeVeth(i), 'name', 'eth0']);
      ipSync(['-n', netns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
      ipSync(['-n', netns, 'link', 'set', 'eth0', 'up']);
      // rpc-server binds 127.0.0.1 in tunnel mode: the namespace needs its own loopback.
      ipSync(['-n', netns, 'link', 'set', 'lo', 'up']);
      const rpc = options.rpcServer ?? 'standin';
      const sshd = await startSshd({ netns, listenAddress: address, port: 22, withRpcServer: rpc === 'standin' });
      owner.sshdDirs.push(sshd.dir);
      fs.writeFileSync(n.ownerFile, JSON.stringify(owner));
      if (typeof rpc === 'object') {
        for (const name of ['rpc-server', 'ggml-rpc-server']) fs.symlinkSync(rpc.binary, path.join(sshd.binDir, name));
      }
      nodes.push({ name: `node${i}`, index: i, netns, address, sshd, hostVeth: n.hostVeth(i) });
    }
  } catch (err) {
    await cleanup();
    throw err;
  }

  const cluster: NetnsCluster = {
    runId,
    bridge: n.bridge,
    workstationAddress,
    subnet,
    nodes,
    async cutLink(node) {
      ipSync(['link', 'set', node.hostVeth, 'down']);
    },
    async restoreLink(node) {
      ipSync(['link', 'set', node.hostVeth, 'up']);
    },
    async killSshd(node) {
      await node.sshd.killListener();
    },
    async startSshd(node) {
      await node.sshd.restart();
    },
    async killSshSessions(node) {
      node.sshd.cutConnections();
    },
    exec(node, cmd, args = [], execOptions = {}) {
      return execInNetns(node.netns, cmd, args, execOptions);
    },
    spawn(node, cmd, args = [], spawnOptions = {}) {
      return spawn(IP_PATH, ['netns', 'exec', node.netns, cmd, ...args], spawnOptions);
    },
    ssh(node, command, sshOptions = {}) {
      const args = [
        '-i', node.sshd.keyPath, '-p', String(node.sshd.port),
        '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
        '-o', 'LogLevel=ERROR', '-o', 'ConnectTimeout=5',
        `${node.sshd.user}@${node.address}`, command,
      ];
      return new Promise((resolve) => {
        execFile('ssh', args, { timeout: sshOptions.timeoutMs ?? 15_000, encoding: 'utf8' }, (err, stdout, stderr) => {
          const code = err ? (err as { code?: unknown }).code : 0;
          resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
        });
      });
    },
    pids(node) {
      return pidsInNetns(node.netns);
    },
    processes(node) {
      return pidsInNetns(node.netns).flatMap((pid) => {
        try {
          return [{ pid, cmdline: fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ') }];
        } catch {
          return []; // exited meanwhile
        }
      });
    },
    cleanup,
  };
  return cluster;
}

