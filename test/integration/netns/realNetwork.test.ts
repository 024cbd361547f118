import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netnsUnavailableReason } from '../../support/netns/netnsAvailability.ts';
import { startNetnsCluster, type NetnsCluster, type NetnsNode } from '../../support/netns/netnsCluster.ts';
import { listNetns, sweepStaleRuns } from '../../support/netns/staleSweep.ts';
import { node24Path } from '../../support/sshdHarness.ts';

/** The fault-test network itself: nodes as namespaces with sshd, and the faults it can inject. */

const unavailable = netnsUnavailableReason();
if (unavailable) console.warn(`skipping real-network tests: ${unavailable}`);

/** An open SSH session (ssh2, as Batchdeck's own), resolving `closed` when the connection ends. */
function openSession(node: NetnsNode): Promise<{ client: Client; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    const closed = new Promise<void>((r) => client.once('close', () => r()));
    client.once('ready', () => resolve({ client, closed }));
    client.once('error', reject);
    client.connect({ host: node.address, port: node.sshd.port, username: node.sshd.user, privateKey: fs.readFileSync(node.sshd.keyPath), readyTimeout: 10_000 });
  });
}

describe.skipIf(unavailable !== null)('nodes on a real network: namespaces, sshd and faults', () => {
  let cluster: NetnsCluster;

  beforeAll(async () => {
    cluster = await startNetnsCluster({ nodes: 2, rpcServer: 'none' });
  });
  afterAll(async () => {
    await cluster?.cleanup();
  });

  it('each node answers SSH on its own address and reaches the other node, but nothing outside', async () => {
    const [a, b] = cluster.nodes as [NetnsNode, NetnsNode];
    const who = await cluster.ssh(a, 'echo "$HOME"');
    expect(who.code).toBe(0);
    expect(who.stdout.trim()).toBe(a.sshd.homeDir);
    const toB = await cluster.exec(a, 'bash', ['-c', `exec 3<>/dev/tcp/${b.address}/22 && head -c 8 <&3`], { timeoutMs: 5_000 });
    expect(toB.stdout).toBe('SSH-2.0-');
    const out = await cluster.exec(a, 'bash', ['-c', 'exec 3<>/dev/tcp/192.0.2.1/80'], { timeoutMs: 5_000 });
    expect(out.stderr).toMatch(/Network is unreachable/);
  });

  it('a cut link makes the node silent (no reset, a timeout) until it is restored', async () => {
    const [a] = cluster.nodes as [NetnsNode];
    await cluster.cutLink(a);
    const during = await cluster.ssh(a, 'true', { timeoutMs: 3_000 });
    expect(during.code).not.toBe(0);
    expect(during.stderr).not.toMatch(/refused/);
    await cluster.restoreLink(a);
    expect((await cluster.ssh(a, 'echo back')).stdout.trim()).toBe('back');
  });

  it('killing the node\'s sshd sessions drops an open session; killing sshd refuses new logins until it starts again', async () => {
    const [, b] = cluster.nodes as [NetnsNode, NetnsNode];
    const session = await openSession(b);
    await cluster.killSshSessions(b);
    await session.closed;

    await cluster.killSshd(b);
    const refused = await cluster.ssh(b, 'true', { timeoutMs: 5_000 });
    expect(refused.stderr).toMatch(/Connection refused/);
    await cluster.startSshd(b);
    expect((await cluster.ssh(b, 'echo up')).stdout.trim()).toBe('up');
  });

  it('a run that crashed (SIGKILL) is swept away by the next one', async () => {
    const harness = path.resolve(import.meta.dirname, '../../support/netns/netnsCluster.ts');
    const script = `const { startNetnsCluster } = await import(${JSON.stringify(harness)});
const c = await startNetnsCluster({ nodes: 1, rpcServer: 'none' });
console.log('RUN ' + c.runId + ' ' + c.nodes[0].sshd.dir);
setInterval(() => {}, 1000);`;
    const child = spawn(node24Path(), ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const [runId, sshdDir] = await new Promise<[string, string]>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /RUN ([0-9a-f]{4}) (\S+)\n/.exec(out);
        if (m) resolve([m[1]!, m[2]!]);
      });
      child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
      child.once('exit', (code) => reject(new Error(`the crashing run exited early (${code}):\n${out}`)));
    });
    expect(listNetns()).toContain(`bdnt${runId}-1`);
    child.removeAllListeners('exit');
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGKILL');
    await gone;

    expect(sweepStaleRuns()).toContain(runId);
    expect(listNetns().filter((n) => n.startsWith(`bdnt${runId}`))).toEqual([]);
    expect(fs.existsSync(sshdDir)).toBe(false);
    // Our own run is alive and is left alone.
    expect(listNetns()).toContain(cluster.nodes[0]!.netns);
  });
});
