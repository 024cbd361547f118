import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NodeInput } from '../../../shared/nodes.ts';
import { tinyLlamaModelPath } from '../../support/gguf/tinyLlamaModel.ts';
import { llamaUnavailableReason, requireLlamaBinaries } from '../../support/llamaBinaries.ts';
import { rpcHello, startRealLlamaServer, startRealRpcServer, stopAllRealLlama } from '../../support/llamaProcesses.ts';
import { netnsUnavailableReason } from '../../support/netns/netnsAvailability.ts';
import { startNetnsCluster, type NetnsCluster, type NetnsNode } from '../../support/netns/netnsCluster.ts';
import { testOperator } from '../../support/testOperator.ts';
import { makeKit, waitFor, type Kit } from '../nodes/nodeTestKit.ts';

/**
 * The real llama.cpp binaries (npm run llama:build) over a real network: nodes are network namespaces with
 * their own sshd, rpc-server is the real one, llama-server the real coordinator, the model a tiny GGUF our
 * own code writes.
 */

const llamaMissing = llamaUnavailableReason();
const netnsMissing = llamaMissing ?? netnsUnavailableReason();
if (llamaMissing) console.warn(`skipping real llama.cpp tests: ${llamaMissing}`);
else if (netnsMissing) console.warn(`skipping the real-network cluster test: ${netnsMissing}`);

interface ChatReply { object: string; choices: { message: { content: string } }[]; usage: { completion_tokens: number } }

async function chat(baseUrl: string): Promise<ChatReply> {
  const res = await fetch(`${baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content: 'hello there' }], max_tokens: 8 }),
    signal: AbortSignal.timeout(30_000),
  });
  expect(res.status).toBe(200);
  return res.json() as Promise<ChatReply>;
}

describe.skipIf(llamaMissing !== null)('the real rpc-server, one client at a time (issue 9, item 1, without Batchdeck)', () => {
  let model: string;

  beforeAll(() => {
    model = tinyLlamaModelPath();
  });
  afterEach(async () => {
    await stopAllRealLlama();
  });

  it('dies of SIGPIPE when a probe that gave up was queued while llama-server held it, once llama-server stops', async () => {
    const rpc = await startRealRpcServer({ ignoreSigpipe: false });
    const coordinator = await startRealLlamaServer({ model, rpcPorts: [rpc.port] });

    // The coordinator holds rpc-server's only connection: a health probe's HELLO waits in the accept queue.
    expect(await rpcHello(rpc.port, 1_000)).toBeNull();
    await coordinator.stop('SIGTERM');

    // rpc-server now accepts the dead probe, writes its HELLO reply to it, and is killed by SIGPIPE.
    const ended = await Promise.race([rpc.exited, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
    expect(ended, `rpc-server should have died; its log:\n${rpc.log()}`).toEqual({ code: null, signal: 'SIGPIPE' });
  });

  it('lives on, logging "send failed", when started with SIGPIPE ignored, and serves the next client', async () => {
    const rpc = await startRealRpcServer({ ignoreSigpipe: true });
    const coordinator = await startRealLlamaServer({ model, rpcPorts: [rpc.port] });

    expect(await rpcHello(rpc.port, 1_000)).toBeNull();
    await coordinator.stop('SIGTERM');

    await waitFor('rpc-server to log the failed send to the dead probe', () => /send failed/.test(rpc.log()), 10_000);
    expect(rpc.running()).toBe(true);
    const reply = await rpcHello(rpc.port, 5_000);
    expect(reply, 'a fresh HELLO after the coordinator left').not.toBeNull();
    // u64 reply size 28, then the protocol version: 7.x for this llama.cpp.
    expect(reply!.readBigUInt64LE(0)).toBe(28n);
    expect(reply![8]).toBe(7);
  });
});

describe.skipIf(netnsMissing !== null)('a real llama.cpp cluster over two network-namespace nodes, started by Batchdeck', () => {
  let cluster: NetnsCluster;
  let kit: Kit | undefined;
  let model: string;

  beforeAll(async () => {
    model = tinyLlamaModelPath();
    cluster = await startNetnsCluster({ nodes: 2, rpcServer: { binary: requireLlamaBinaries().rpcServer } });
  });
  afterAll(async () => {
    await kit?.close();
    await cluster?.cleanup();
  });

  function nodeInput(node: NetnsNode): NodeInput {
    return {
      name: node.name, host: node.address, sshPort: node.sshd.port, user: node.sshd.user,
      auth: { method: 'key', keyPath: node.sshd.keyPath }, rpcServerPath: '', rpcPort: 50052, devices: '', cache: false,
      bind: 'tunnel', acceptedHostKey: node.sshd.hostKeyFingerprint,
    };
  }

  it('starts rpc-server on both nodes over SSH, runs llama-server across them and answers a chat completion', async () => {
    const { llamaServer } = requireLlamaBinaries();
    kit = makeKit({
      operator: testOperator({ llamaServers: [llamaServer], modelsDirs: [path.dirname(model)] }),
      // The kit's 1 s probe limit is for stand-ins; real processes on a busy two-core machine need slack.
      probeTimeoutMs: 5_000, startTimeoutMs: 30_000, sshReadyTimeoutMs: 15_000,
    });
    for (const node of cluster.nodes) await kit.service.add(nodeInput(node));
    const nodes = await kit.service.startAll();
    expect(nodes.map((n) => [n.name, n.state]), JSON.stringify(nodes.map((n) => n.message))).toEqual([['node1', 'running'], ['node2', 'running']]);
    expect(nodes.map((n) => n.probe?.version)).toEqual(['7.0.0', '7.0.0']);

    // Each rpc-server runs inside its node's namespace, not on the workstation.
    for (const node of cluster.nodes) {
      const rpcServers = cluster.processes(node).filter((p) => /rpc-server -H 127\.0\.0\.1 -p 50052/.test(p.cmdline));
      expect(rpcServers, `${node.name}'s processes: ${JSON.stringify(cluster.processes(node))}`).toHaveLength(1);
    }

    await kit.service.startCoordinator({ model, llamaServerPath: llamaServer, extraArgs: ['-c', '512', '-np', '1'] });
    const ready = await waitFor('the coordinator to be ready', () => kit!.coordinatorEvents.find((c) => c.state === 'ready'), 60_000);
    expect(ready.endpoints).toHaveLength(2);

    const reply = await chat(ready.baseUrl!);
    expect(reply.object).toBe('chat.completion');
    expect(typeof reply.choices[0]?.message.content).toBe('string');
    expect(reply.usage.completion_tokens).toBeGreaterThan(0);

    await kit.service.handlers()['coordinator.stop']({});
    const stopped = await kit.service.stopAll();
    expect(stopped.map((n) => n.state)).toEqual(['stopped', 'stopped']);
  });
});
