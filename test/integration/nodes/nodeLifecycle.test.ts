import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, sshdUnavailableReason, type SshdInstance } from '../../support/sshdHarness.ts';
import { freePort } from '../../support/sshdHarness.ts';
import { makeKit, waitFor, type Kit } from './nodeTestKit.ts';

const unavailable = sshdUnavailableReason();
if (unavailable) console.warn(`skipping node lifecycle tests: ${unavailable}`);

describe.skipIf(unavailable !== null)('remote node lifecycle over a real sshd', () => {
  let sshd: SshdInstance;
  let kit: Kit;

  beforeAll(async () => {
    sshd = await startSshd({ rpcServerArgs: ['--devices', '2', '--mem-total', String(8 * 1024 ** 3)] });
  });
  afterAll(async () => {
    await sshd?.stop();
  });
  afterEach(async () => {
    await kit?.close();
  });

  it('shows the host key on first contact, then starts rpc-server through the tunnel and reports version and device memory', async () => {
    kit = makeKit();
    const rpcPort = await freePort();
    const added = await kit.service.add({
      name: 'gpu-1', host: sshd.host, sshPort: sshd.port, user: sshd.user,
      auth: { method: 'key', keyPath: sshd.keyPath }, rpcServerPath: '', rpcPort, devices: '', cache: false, bind: 'tunnel', acceptedHostKey: null,
    });
    expect(added.acceptedHostKey).toBeNull();
    expect(added.pendingHostKey).toBe(sshd.hostKeyFingerprint);
    expect(added.message).toContain(sshd.hostKeyFingerprint);
    expect(added.state).toBe('unknown');

    // Starting before the key is accepted is refused, and says why.
    await expect(kit.service.start(added.id)).rejects.toThrow(/not accepted yet/);

    const accepted = await kit.service.acceptHostKey(added.id, sshd.hostKeyFingerprint);
    expect(accepted.acceptedHostKey).toBe(sshd.hostKeyFingerprint);
    expect(accepted.pendingHostKey).toBeNull();
    expect(accepted.state).toBe('stopped');

    const running = await kit.service.start(added.id);
    expect(running.state).toBe('running');
    expect(running.pid).toBeGreaterThan(1);
    expect(running.probe?.version).toBe('4.0.0');
    expect(running.probe?.devices).toEqual([
      { index: 0, freeBytes: expect.any(Number), totalBytes: 8 * 1024 ** 3 },
      { index: 1, freeBytes: expect.any(Number), totalBytes: 8 * 1024 ** 3 },
    ]);
    expect(running.endpoint).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(running.logTail.join('\n')).toContain('Starting RPC server v4.0.0');
    // The UI learnt it live, not by asking.
    expect(kit.nodeEvents.some((e) => e.id === added.id && e.state === 'starting')).toBe(true);
    expect(kit.nodeEvents.at(-1)?.state).toBe('running');

    const probe = await kit.service.probe(added.id);
    expect(probe.ok).toBe(true);
    expect(probe.latencyMs).toBeGreaterThan(0);

    const stopped = await kit.service.stop(added.id);
    expect(stopped.state).toBe('stopped');
    expect(stopped.pid).toBeNull();
    const after = await kit.service.probe(added.id);
    expect(after.ok).toBe(false);
    expect(after.error).toMatch(/refused/);
  });

  it('adopts an rpc-server that already runs instead of starting a second one', async () => {
    kit = makeKit();
    const rpcPort = await freePort();
    const node = await kit.service.add({
      name: 'gpu-adopt', host: sshd.host, sshPort: sshd.port, user: sshd.user,
      auth: { method: 'key', keyPath: sshd.keyPath }, rpcServerPath: '', rpcPort, devices: '', cache: false, bind: 'tunnel',
      acceptedHostKey: sshd.hostKeyFingerprint,
    });
    const first = await kit.service.start(node.id);
    expect(first.state).toBe('running');
    await kit.close({ keepFiles: true });

    // The app restarts: the node comes back from the database and is found running on the node.
    kit = makeKit({}, { dir: kit.dir });
    const again = await waitFor('the restarted service to find the node running', () => {
      const n = kit.service.list().find((x) => x.id === node.id);
      return n?.state === 'running' ? n : undefined;
    });
    expect(again.pid).toBe(first.pid);
    const started = await kit.service.start(again.id);
    expect(started.state).toBe('running');
    expect(started.pid).toBe(first.pid);

    // Started by hand (no pid file of ours): Start adopts it too, and learns its pid so Stop can end it.
    await kit.service.stop(again.id);
    await kit.service.stop(again.id);
    const { spawn } = await import('node:child_process');
    const byHand = spawn(`${sshd.binDir}/rpc-server`, ['-H', '127.0.0.1', '-p', String(rpcPort)], { stdio: 'ignore', detached: true });
    try {
      await waitFor('the hand-started rpc-server to answer', async () => (await kit.service.probe(again.id)).ok);
      const adopted = await kit.service.start(again.id);
      expect(adopted.state).toBe('running');
      expect(adopted.pid).toBe(byHand.pid);
      expect(adopted.message).toMatch(/adopted|found running/);
      const stopped = await kit.service.stop(again.id);
      expect(stopped.state).toBe('stopped');
      await waitFor('the hand-started rpc-server to exit', () => byHand.exitCode !== null || byHand.signalCode !== null);
    } finally {
      byHand.kill('SIGKILL');
    }
  });

  it('authenticates through ssh-agent when the node uses the agent', async (ctx) => {
    try {
      execFileSync('sh', ['-c', 'command -v ssh-agent && command -v ssh-add'], { stdio: 'ignore' });
    } catch {
      ctx.skip('ssh-agent is not installed (openssh-client)');
      return;
    }
    const socket = path.join(sshd.dir, 'agent.sock');
    const agent = execFileSync('ssh-agent', ['-a', socket], { encoding: 'utf8' });
    const agentPid = Number(agent.match(/SSH_AGENT_PID=(\d+)/)?.[1]);
    try {
      execFileSync('ssh-add', [sshd.keyPath], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
      kit = makeKit({ agentSocket: socket });
      const node = await kit.service.add({
        name: 'gpu-agent', host: sshd.host, sshPort: sshd.port, user: sshd.user, auth: { method: 'agent' },
        rpcServerPath: '', rpcPort: await freePort(), devices: '', cache: false, bind: 'tunnel', acceptedHostKey: sshd.hostKeyFingerprint,
      });
      expect(node.state).toBe('stopped');
      expect((await kit.service.start(node.id)).state).toBe('running');
      expect((await kit.service.stop(node.id)).state).toBe('stopped');
    } finally {
      if (agentPid) process.kill(agentPid);
      fs.rmSync(socket, { force: true });
    }
  });

  it('binds the LAN address in LAN mode, reaches it directly, and warns that rpc-server has no authentication', async () => {
    kit = makeKit();
    const rpcPort = await freePort();
    const node = await kit.service.add({
      name: 'gpu-lan', host: sshd.host, sshPort: sshd.port, user: sshd.user, auth: { method: 'key', keyPath: sshd.keyPath },
      rpcServerPath: '', rpcPort, devices: 'CUDA0,CUDA1', cache: true, bind: 'lan', acceptedHostKey: sshd.hostKeyFingerprint,
    });
    const running = await kit.service.start(node.id);
    expect(running.state).toBe('running');
    expect(running.endpoint).toBe(`${sshd.host}:${rpcPort}`);
    expect(running.message).toMatch(/no authentication/);
    // -d and -c reached rpc-server: two devices offered, cache on.
    expect(running.probe?.devices).toHaveLength(2);
    expect(running.logTail.join('\n')).toMatch(/local cache\s+: ~\/\.cache/);
    expect((await kit.service.stop(node.id)).state).toBe('stopped');
  });
});
