import fs from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NodeInput } from '../../../shared/nodes.ts';
import { freePort, startSshd, sshdUnavailableReason, type SshdInstance } from '../../support/sshdHarness.ts';
import { writeStandinLlamaServer } from '../../support/standinLlamaServer.ts';
import { makeKit, nodeNamed, waitFor, type Kit } from './nodeTestKit.ts';
import { testOperator } from '../../support/testOperator.ts';

const unavailable = sshdUnavailableReason();
if (unavailable) console.warn(`skipping coordinator tests: ${unavailable}`);

describe.skipIf(unavailable !== null)('the llama-server coordinator over running nodes', () => {
  let sshd: SshdInstance;
  let kit: Kit;
  let llamaServer: string;
  let model: string;

  function nodeInput(name: string, rpcPort: number): NodeInput {
    return {
      name, host: sshd.host, sshPort: sshd.port, user: sshd.user, auth: { method: 'key', keyPath: sshd.keyPath },
      rpcServerPath: '', rpcPort, devices: '', cache: false, bind: 'tunnel', acceptedHostKey: sshd.hostKeyFingerprint,
    };
  }

  async function twoRunningNodes(): Promise<[string, string]> {
    const a = await kit.service.add(nodeInput('node-a', await freePort()));
    const b = await kit.service.add(nodeInput('node-b', await freePort()));
    const all = await kit.service.startAll();
    expect(all.map((n) => n.state)).toEqual(['running', 'running']);
    return [a.id, b.id];
  }

  async function chat(baseUrl: string): Promise<OpenAI.Chat.Completions.ChatCompletion> {
    const client = new OpenAI({ baseURL: baseUrl, apiKey: 'none', maxRetries: 0, timeout: 10_000 });
    return client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hello there' }] });
  }

  beforeAll(async () => {
    sshd = await startSshd({ rpcServerArgs: ['--mem-total', String(16 * 1024 ** 3)] });
    llamaServer = writeStandinLlamaServer(sshd.dir, { loadingMs: 700 });
    model = path.join(sshd.dir, 'tiny-model.gguf');
    fs.writeFileSync(model, 'GGUF stand-in');
  });
  afterAll(async () => {
    await sshd?.stop();
  });
  afterEach(async () => {
    await kit?.close();
  });

  it('starts over the running nodes, shows loading then ready, registers as a backend and answers a chat completion', async () => {
    kit = makeKit({ operator: testOperator({ llamaServers: [llamaServer] }) });
    const [a, b] = await twoRunningNodes();

    const started = await kit.service.startCoordinator({ model, llamaServerPath: llamaServer, extraArgs: ['-c', '4096'] });
    expect(['starting', 'loading']).toContain(started.state);
    expect(started.endpoints).toEqual([nodeNamed(kit, 'node-a').endpoint, nodeNamed(kit, 'node-b').endpoint]);
    expect(started.pid).toBeGreaterThan(1);

    const ready = await waitFor('the coordinator to be ready', () => kit.coordinatorEvents.find((c) => c.state === 'ready'));
    const states = kit.coordinatorEvents.map((c) => c.state);
    expect(states.indexOf('checking')).toBeLessThan(states.indexOf('loading'));
    expect(states.indexOf('loading')).toBeLessThan(states.indexOf('ready'));
    expect(ready.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(kit.registrar.registered.get(ready.baseUrl!)).toBe(model);

    const reply = await chat(ready.baseUrl!);
    expect(reply.object).toBe('chat.completion');
    expect(reply.choices[0]?.message.content).toContain('over 2 rpc-server');
    expect(reply.usage?.total_tokens).toBeGreaterThan(0);

    // The coordinator holds each rpc-server's single connection: the nodes read busy, not down, and are not
    // probed (a probe left in rpc-server's accept queue would kill it later); the last known probe stays.
    const probe = await kit.service.probe(a);
    expect(probe.busy).toBe(true);
    expect(probe.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(probe.latencyMs).not.toBeNull();
    expect(nodeNamed(kit, 'node-a').message).toMatch(/held by the coordinator since \d\d:\d\d:\d\d/);
    expect(nodeNamed(kit, 'node-a').heldSince).not.toBeNull();
    await expect(kit.service.stop(b)).rejects.toThrow(/Stop the coordinator first/);

    const stopped = await kit.service.handlers()['coordinator.stop']({});
    expect(stopped.state).toBe('stopped');
    expect(kit.registrar.registered.size).toBe(0);
    await kit.service.stopAll();
    expect(kit.service.list().map((n) => n.state)).toEqual(['stopped', 'stopped']);
  });

  it('with automatic recovery off: detects the coordinator dying when an rpc-server is killed under it, alerts with the log tail, and restarts on the healthy node', async () => {
    kit = makeKit({ operator: testOperator({ llamaServers: [llamaServer] }), autoRecovery: () => false });
    await twoRunningNodes();
    await kit.service.startCoordinator({ model, llamaServerPath: llamaServer, extraArgs: [] });
    const ready = await waitFor('the coordinator to be ready', () => kit.coordinatorEvents.find((c) => c.state === 'ready'));
    expect((await chat(ready.baseUrl!)).choices).toHaveLength(1);

    const victim = nodeNamed(kit, 'node-b');
    process.kill(victim.pid!, 'SIGKILL');
    // The periodic probe sees the worker gone and warns before any request finds out.
    const warning = await waitFor('the lost-worker alert', () => kit.alerts.active.get('coordinator:worker-lost'));
    expect(warning.message).toMatch(/lost node node-b .* will abort on its next request/);
    expect(kit.service.snapshot().coordinator.message).toMatch(/lost node node-b/);
    // llama-server dies on its next request, as the real one does.
    await expect(chat(ready.baseUrl!)).rejects.toThrow();

    const exited = await waitFor('the coordinator exit to be reported', () => {
      const c = kit.service.snapshot().coordinator;
      return c.state === 'exited' && /Restart is offered/.test(c.message ?? '') ? c : undefined;
    });
    expect(exited.exitCode).toBe(134);
    expect(exited.message).toMatch(/Remote RPC server crashed/);
    expect(exited.message).toMatch(/still healthy: node-a/);
    expect(exited.message).toMatch(/Down: node-b/);
    expect(exited.logTail.join('\n')).toContain('Remote RPC server crashed');
    const alert = kit.alerts.active.get('coordinator:exited');
    expect(alert?.severity).toBe('critical');
    expect(kit.registrar.registered.size).toBe(0);
    expect(nodeNamed(kit, 'node-b').state).toBe('error');
    expect(nodeNamed(kit, 'node-b').message).toMatch(/stopped unexpectedly/);
    // Nothing restarts by itself, and the alert says what to do.
    const off = await waitFor('the recovery-off alert', () => kit.alerts.active.get('cluster:recovery-off:coordinator'));
    expect(off.message).toMatch(/automatic recovery is off\. Restart it: batchdeck coordinator restart/);
    expect(kit.alerts.active.has('coordinator:worker-lost')).toBe(false);

    kit.coordinatorEvents.length = 0;
    const restarted = await kit.service.restartCoordinator();
    expect(restarted.endpoints).toEqual([nodeNamed(kit, 'node-a').endpoint]);
    const again = await waitFor('the restarted coordinator to be ready', () => kit.coordinatorEvents.find((c) => c.state === 'ready'));
    expect((await chat(again.baseUrl!)).choices[0]?.message.content).toContain('over 1 rpc-server');
    expect(kit.alerts.active.has('coordinator:exited')).toBe(false);
    expect(kit.alerts.active.has('coordinator:worker-lost')).toBe(false);
    await kit.service.stopAll();
  });

  it('checks every endpoint first and refuses to start llama-server when one does not answer', async () => {
    kit = makeKit({ probeIntervalMs: 60_000, operator: testOperator({ llamaServers: [llamaServer] }) });
    await twoRunningNodes();
    const victim = nodeNamed(kit, 'node-b');
    process.kill(victim.pid!, 'SIGKILL');

    await expect(kit.service.startCoordinator({ model, llamaServerPath: llamaServer, extraArgs: [] }))
      .rejects.toThrow(/Not starting llama-server: node-b: .*refused/);
    const c = kit.service.snapshot().coordinator;
    expect(c.state).toBe('error');
    expect(c.pid).toBeNull();
    expect(kit.coordinatorEvents.some((e) => e.state === 'starting')).toBe(false);
    expect(nodeNamed(kit, 'node-b').state).toBe('error');
    await kit.service.stopAll();
  });

  it('flags a node speaking another RPC protocol major and will not mix versions under one coordinator', async () => {
    const older = await startSshd({ rpcServerArgs: ['--proto', '3'] });
    try {
      kit = makeKit({ operator: testOperator({ llamaServers: [llamaServer] }) });
      await twoRunningNodes();
      const old = await kit.service.add({
        name: 'node-old', host: older.host, sshPort: older.port, user: older.user, auth: { method: 'key', keyPath: older.keyPath },
        rpcServerPath: '', rpcPort: await freePort(), devices: '', cache: false, bind: 'tunnel', acceptedHostKey: older.hostKeyFingerprint,
      });
      const started = await kit.service.start(old.id);
      expect(started.probe?.version).toBe('3.0.0');
      expect(nodeNamed(kit, 'node-old').versionMismatch).toBe(true);
      expect(nodeNamed(kit, 'node-a').versionMismatch).toBe(false);
      await expect(kit.service.startCoordinator({ model, llamaServerPath: llamaServer, extraArgs: [] }))
        .rejects.toThrow(/different RPC protocol versions .*node-old: 3\.0\.0/);
      await kit.service.stopAll();
    } finally {
      await older.stop();
    }
  });
});
