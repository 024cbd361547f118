import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Router, type Handlers } from '../../../src-main/core/events/router.ts';
import type { NodeInput } from '../../../shared/nodes.ts';
import {
  createPasswordUser, freePort, startSshd, sshdUnavailableReason, type SshdInstance,
} from '../../support/sshdHarness.ts';
import { makeKit, waitFor, type Kit } from './nodeTestKit.ts';

const unavailable = sshdUnavailableReason();
if (unavailable) console.warn(`skipping node fault tests: ${unavailable}`);

function nodeOn(sshd: SshdInstance, name: string, rpcPort: number, extra: Partial<NodeInput> = {}): NodeInput {
  return {
    name, host: sshd.host, sshPort: sshd.port, user: sshd.user,
    auth: { method: 'key', keyPath: sshd.keyPath }, rpcServerPath: '', rpcPort, devices: '', cache: false, bind: 'tunnel',
    acceptedHostKey: sshd.hostKeyFingerprint, ...extra,
  };
}

/** Gone, or a zombie nobody reaped yet: either way it no longer runs. */
function processGone(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z');
  } catch {
    return true;
  }
}

function pidFileExists(sshd: SshdInstance, rpcPort: number): boolean {
  return fs.existsSync(path.join(sshd.homeDir, '.batchdeck', `rpc-server-${rpcPort}.pid`));
}

describe.skipIf(unavailable !== null)('node faults, each with a clear message and nothing half-started', () => {
  let sshd: SshdInstance;
  let kit: Kit;

  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });
  afterEach(async () => {
    await kit?.close();
  });

  it('refuses a host whose key changed, showing both fingerprints', async () => {
    const rotating = await startSshd();
    try {
      kit = makeKit();
      const rpcPort = await freePort();
      const node = await kit.service.add(nodeOn(rotating, 'gpu-rotated', rpcPort));
      expect(node.state).toBe('stopped');
      const oldKey = rotating.hostKeyFingerprint;
      await rotating.rotateHostKey();
      const newKey = rotating.hostKeyFingerprint;
      expect(newKey).not.toBe(oldKey);

      const refused = kit.service.start(node.id);
      await expect(refused).rejects.toThrow(/host key CHANGED/);
      await expect(refused).rejects.toThrow(oldKey);
      await expect(refused).rejects.toThrow(newKey);
      const info = kit.service.list()[0]!;
      expect(info.state).toBe('error');
      expect(info.pendingHostKey).toBe(newKey);
      expect(info.acceptedHostKey).toBe(oldKey);
      expect([...kit.alerts.active.values()].some((a) => a.severity === 'critical' && a.message.includes(newKey))).toBe(true);
      expect(pidFileExists(rotating, rpcPort)).toBe(false);

      // Accepting a key other than the one presented is refused; accepting the presented one works.
      await expect(kit.service.acceptHostKey(node.id, oldKey)).rejects.toThrow(/presented/);
      const reaccepted = await kit.service.acceptHostKey(node.id, newKey);
      expect(reaccepted.state).toBe('stopped');
      expect(kit.alerts.active.size).toBe(0);
    } finally {
      await rotating.stop();
    }
  });

  it('says the password was refused when it is wrong, and connects when it is right', async (ctx) => {
    const account = createPasswordUser();
    if ('skip' in account) {
      ctx.skip(account.skip);
      return;
    }
    const withPasswords = await startSshd({ passwordAuth: true });
    try {
      kit = makeKit();
      const wrong = await kit.service.add({
        ...nodeOn(withPasswords, 'gpu-password', await freePort()),
        user: account.user, auth: { method: 'password', password: `${account.password}-wrong` },
      });
      expect(wrong.state).toBe('error');
      expect(wrong.message).toMatch(/authentication failed/);
      expect(wrong.message).toContain(account.user);
      await expect(kit.service.start(wrong.id)).rejects.toMatchObject({ code: 'forbidden' });

      // The password is stored sealed, never in clear.
      const stored = kit.db.prepare('SELECT secret FROM nodes WHERE id = ?').pluck().get(wrong.id) as Buffer;
      expect(stored.toString()).not.toContain(account.password);

      const right = await kit.service.update({ id: wrong.id, auth: { method: 'password', password: account.password } });
      expect(right.state).toBe('stopped');
      expect(right.message).toBeNull();
    } finally {
      account.remove();
      await withPasswords.stop();
    }
  });

  it('uses a key file with a passphrase, and says so when the passphrase is wrong', async () => {
    const keyPath = path.join(sshd.dir, 'id_locked');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'open sesame', '-C', 'locked', '-f', keyPath], { stdio: 'ignore' });
    fs.appendFileSync(path.join(sshd.dir, 'authorized_keys'), fs.readFileSync(`${keyPath}.pub`));
    kit = makeKit();
    const wrong = await kit.service.add({ ...nodeOn(sshd, 'gpu-locked', await freePort()), auth: { method: 'key', keyPath, passphrase: 'open says me' } });
    expect(wrong.state).toBe('error');
    expect(wrong.message).toMatch(/private key could not be used .*passphrase/);
    const right = await kit.service.update({ id: wrong.id, auth: { method: 'key', keyPath, passphrase: 'open sesame' } });
    expect(right.state).toBe('stopped');
    const stored = kit.db.prepare('SELECT secret FROM nodes WHERE id = ?').pluck().get(wrong.id) as Buffer;
    expect(stored.toString()).not.toContain('open sesame');
  });

  it('reports an unreachable host (nothing listening on the SSH port) without hanging', async () => {
    kit = makeKit();
    const closedPort = await freePort();
    const node = await kit.service.add({ ...nodeOn(sshd, 'gpu-gone', await freePort()), sshPort: closedPort });
    expect(node.state).toBe('unreachable');
    expect(node.message).toMatch(/connection refused/);
    expect(node.message).toContain(`127.0.0.1:${closedPort}`);
    await expect(kit.service.start(node.id)).rejects.toMatchObject({ code: 'unavailable' });
    expect(kit.service.list()[0]!.state).toBe('unreachable');
  });

  it('says where it looked when the rpc-server binary is missing', async () => {
    const bare = await startSshd({ withRpcServer: false });
    try {
      kit = makeKit();
      const rpcPort = await freePort();
      const node = await kit.service.add(nodeOn(bare, 'gpu-bare', rpcPort));
      const failed = kit.service.start(node.id);
      await expect(failed).rejects.toThrow(/rpc-server not found/);
      await expect(failed).rejects.toThrow(/ggml-rpc-server/);
      await expect(failed).rejects.toThrow(bare.binDir);
      expect(kit.service.list()[0]!.state).toBe('error');
      expect(pidFileExists(bare, rpcPort)).toBe(false);

      const explicit = await kit.service.update({ id: node.id, rpcServerPath: '/opt/llama.cpp/bin/rpc-server' });
      expect(explicit.state).toBe('stopped');
      await expect(kit.service.start(node.id)).rejects.toThrow(/not found at \/opt\/llama\.cpp\/bin\/rpc-server/);
    } finally {
      await bare.stop();
    }
  });

  it('fails the start with the log tail when the RPC port is taken (rpc-server exits 0), leaving nothing behind', async () => {
    kit = makeKit();
    const rpcPort = await freePort();
    // Something else holds the port on the node: it accepts connections and says nothing.
    const squatter = net.createServer((s) => s.on('error', () => {}));
    await new Promise<void>((r) => squatter.listen(rpcPort, '127.0.0.1', r));
    try {
      const node = await kit.service.add(nodeOn(sshd, 'gpu-taken', rpcPort));
      const failed = kit.service.start(node.id);
      await expect(failed).rejects.toThrow(/port is in use on the node/);
      await expect(failed).rejects.toThrow(/Failed to create server socket/);
      const info = kit.service.list()[0]!;
      expect(info.state).toBe('error');
      expect(info.pid).toBeNull();
      expect(info.logTail.join('\n')).toContain('Failed to create server socket');
      expect(pidFileExists(sshd, rpcPort)).toBe(false);
    } finally {
      squatter.close();
    }
  });

  it('reopens a cut SSH connection by itself and finds rpc-server still running', async () => {
    kit = makeKit();
    const node = await kit.service.add(nodeOn(sshd, 'gpu-cut', await freePort()));
    const running = await kit.service.start(node.id);
    expect(running.state).toBe('running');

    kit.nodeEvents.length = 0;
    sshd.cutConnections();
    await waitFor('the node to be shown unreachable', () => kit.nodeEvents.find((e) => e.state === 'unreachable'));
    const back = await waitFor('the node to be running again', () => {
      const n = kit.service.list()[0]!;
      return n.state === 'running' ? n : undefined;
    });
    expect(back.pid).toBe(running.pid);
    expect((await kit.service.probe(node.id)).ok).toBe(true);
    await kit.service.stop(node.id);
  });

  it('refuses node fields carrying shell metacharacters before anything runs', async () => {
    kit = makeKit();
    const router = new Router(kit.service.handlers() as Handlers);
    const base = nodeOn(sshd, 'gpu-meta', 50052);
    const hostile: [string, Partial<NodeInput>][] = [
      ['host', { host: '127.0.0.1; touch /tmp/pwned' }],
      ['user', { user: '$(touch /tmp/pwned)' }],
      ['rpcServerPath', { rpcServerPath: '/usr/bin/rpc-server`touch /tmp/pwned`' }],
      ['devices', { devices: 'CUDA0;reboot' }],
      ['name', { name: 'gpu|rm' }],
    ];
    for (const [field, patch] of hostile) {
      const res = await router.dispatch('nodes.add', { ...base, ...patch });
      expect(res.ok, field).toBe(false);
      if (!res.ok) {
        expect(res.error.code).toBe('invalid_input');
        expect(res.error.issues?.map((i) => i.path)).toContain(field);
      }
    }
    expect(kit.service.list()).toEqual([]);
  });

  it('never mistakes a stale pid file naming another program for rpc-server, and never signals it', async () => {
    kit = makeKit();
    const rpcPort = await freePort();
    const bystander = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      fs.mkdirSync(path.join(sshd.homeDir, '.batchdeck'), { recursive: true });
      fs.writeFileSync(path.join(sshd.homeDir, '.batchdeck', `rpc-server-${rpcPort}.pid`), `${bystander.pid}\n`);
      const node = await kit.service.add(nodeOn(sshd, 'gpu-stale', rpcPort));
      expect(node.state).toBe('stopped');
      const running = await kit.service.start(node.id);
      expect(running.state).toBe('running');
      expect(running.pid).not.toBe(bystander.pid);
      expect((await kit.service.stop(node.id)).state).toBe('stopped');
      expect(bystander.exitCode).toBeNull();
      expect(bystander.signalCode).toBeNull();
    } finally {
      bystander.kill('SIGKILL');
    }
  });

  it('kills an rpc-server that ignores SIGTERM, and says so', async () => {
    const wedged = await startSshd({ rpcServerArgs: ['--standin-ignore-term'] });
    try {
      kit = makeKit();
      const node = await kit.service.add(nodeOn(wedged, 'gpu-wedged', await freePort()));
      const running = await kit.service.start(node.id);
      expect(running.state).toBe('running');
      const stopped = await kit.service.stop(node.id);
      expect(stopped.state).toBe('stopped');
      expect(stopped.message).toMatch(/did not exit on SIGTERM .* was killed/);
      expect(processGone(running.pid!)).toBe(true);
    } finally {
      await wedged.stop();
    }
  });
});
