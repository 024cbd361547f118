import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { llamaUnavailableReason } from '../../support/llamaBinaries.ts';
import { netnsUnavailableReason } from '../../support/netns/netnsAvailability.ts';
import { ClusterRig, Timeline, expectedIds, recordScenario } from './clusterRig.ts';

const unavailable = llamaUnavailableReason() ?? netnsUnavailableReason();
if (unavailable) console.warn(`skipping real-cluster fault tests: ${unavailable}`);

const N = 150;

/**
 * Faults of the processes, against the real rpc-server and llama-server on network-namespace hosts: each
 * with a batch running, which must end with every custom_id exactly once, and the cluster back without a
 * call from the test.
 */
describe.skipIf(unavailable !== null)('the real cluster survives process faults by itself', () => {
  let rig: ClusterRig;

  // A fresh cluster and engine per fault: recovery's tries (3 in 10 minutes) are counted per engine.
  beforeEach(async () => {
    rig = await ClusterRig.create();
    await rig.startEngine();
    await rig.startCluster();
  }, 180_000);
  afterEach(async () => {
    await rig?.close();
  }, 60_000);

  it('an rpc-server killed on one node: restarted there, then the coordinator; the batch finishes exactly once', { timeout: 300_000 }, async () => {
    const batchId = await rig.submit(N, 'rpc-kill.jsonl');
    await waitForProgress(rig, batchId, 20);
    const before = (await rig.snapshot()).coordinator;
    const victim = rig.net.nodes[1]!;
    const oldPid = rig.rpcServerPid(victim);
    expect(oldPid).not.toBeNull();

    const timeline = new Timeline();
    timeline.start(() => rig.snapshot());
    const faultAt = Date.now();
    process.kill(oldPid!, 'SIGKILL');
    const back = await rig.coordinatorReady(120_000, before.pid);
    const recoverSeconds = (Date.now() - faultAt) / 1000;
    timeline.stop();

    expect(rig.rpcServerPid(victim)).not.toBe(oldPid);
    expect(back.endpoints).toHaveLength(2);
    const done = await rig.waitDone(batchId, 240_000);
    const { ids, failed } = await rig.exactlyOnce(batchId);
    expect(failed).toBe(0);
    expect(ids).toEqual(expectedIds(N));
    expect(done.status).toBe('completed');
    const log = await rig.batchLog(batchId);
    expect(log).toMatch(/rpc-server on node2 .*restarting it/);
    expect(log).toMatch(/starting it again over node1, node2/);
    // The cluster's own event log holds the same actions.
    const clusterLog = (await rig.call('cluster.log', { limit: 500 })).map((e) => e.message).join('\n');
    expect(clusterLog).toMatch(/rpc-server on node2 .*restarting it/);
    expect(clusterLog).toMatch(/rpc-server on node2 runs again/);
    recordScenario({ fault: 'rpc-server SIGKILL on node2', shown: timeline.summary(), recoverSeconds, exactlyOnce: `${ids.length}/${N}, ${new Set(ids).size} distinct, ${failed} failed` });
  });

  it('a coordinator restart long after its start keeps every rpc-server: none is probed while held, and none dies of SIGPIPE', { timeout: 300_000 }, async () => {
    const pids = rig.net.nodes.map((n) => rig.rpcServerPid(n));
    for (const pid of pids) expect(sigpipeIgnored(pid!), `rpc-server ${pid} should run with SIGPIPE ignored`).toBe(true);
    // Longer than the node check interval (5 s): the old probe would have queued a dead connection by now.
    await new Promise((r) => setTimeout(r, 7_000));
    const listed = (await rig.snapshot()).nodes;
    for (const n of listed) {
      expect(n.state).toBe('busy');
      expect(n.message).toMatch(/held by the coordinator since/);
      expect(n.probe?.version).toBe('7.0.0');
      expect(n.probe?.latencyMs).not.toBeNull();
    }
    const before = (await rig.snapshot()).coordinator;
    const restarted = await rig.call('coordinator.restart', {});
    expect(restarted.endpoints).toHaveLength(2);
    await rig.coordinatorReady(120_000, before.pid);
    expect(rig.net.nodes.map((n) => rig.rpcServerPid(n))).toEqual(pids);
  });

  it('llama-server SIGKILLed: its in-flight requests go back to the queue, a new one starts by itself', { timeout: 300_000 }, async () => {
    const batchId = await rig.submit(N, 'llama-kill.jsonl');
    await waitForProgress(rig, batchId, 20);
    const before = (await rig.snapshot()).coordinator;

    const timeline = new Timeline();
    timeline.start(() => rig.snapshot());
    const faultAt = Date.now();
    process.kill(before.pid!, 'SIGKILL');
    const back = await rig.coordinatorReady(120_000, before.pid);
    const recoverSeconds = (Date.now() - faultAt) / 1000;
    timeline.stop();

    expect(back.endpoints).toHaveLength(2);
    await rig.waitDone(batchId, 240_000);
    const { ids, failed } = await rig.exactlyOnce(batchId);
    expect(failed).toBe(0);
    expect(ids).toEqual(expectedIds(N));
    const log = await rig.batchLog(batchId);
    expect(log).toMatch(/llama-server exited unexpectedly \(SIGKILL/);
    expect(log).toMatch(/starting it again over node1, node2/);
    recordScenario({ fault: 'llama-server SIGKILL', shown: timeline.summary(), recoverSeconds, exactlyOnce: `${ids.length}/${N}, ${new Set(ids).size} distinct, ${failed} failed` });
  });

  it('llama-server hangs (SIGSTOP): not shown ready, killed after its health check fails, and replaced', { timeout: 300_000 }, async () => {
    const batchId = await rig.submit(N, 'llama-hang.jsonl');
    await waitForProgress(rig, batchId, 20);
    const before = (await rig.snapshot()).coordinator;

    const timeline = new Timeline();
    timeline.start(() => rig.snapshot());
    const faultAt = Date.now();
    process.kill(before.pid!, 'SIGSTOP');
    try {
      const back = await rig.coordinatorReady(120_000, before.pid);
      const recoverSeconds = (Date.now() - faultAt) / 1000;
      timeline.stop();
      expect(back.endpoints).toHaveLength(2);
      expect(timeline.summary()).toMatch(/coordinator unresponsive/);

      await rig.waitDone(batchId, 240_000);
      const { ids, failed } = await rig.exactlyOnce(batchId);
      expect(failed).toBe(0);
      expect(ids).toEqual(expectedIds(N));
      const log = await rig.batchLog(batchId);
      expect(log).toMatch(/stopped answering \/health .*it was killed/);
      recordScenario({ fault: 'llama-server hangs (SIGSTOP)', shown: timeline.summary(), recoverSeconds, exactlyOnce: `${ids.length}/${N}, ${new Set(ids).size} distinct, ${failed} failed` });
    } finally {
      timeline.stop();
      try {
        process.kill(before.pid!, 'SIGKILL');
      } catch {
        // killed by Batchdeck, as it should be
      }
    }
  });
});

/** Bit 13 (SIGPIPE) of the process's ignored-signals mask. */
function sigpipeIgnored(pid: number): boolean {
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('SigIgn:'));
  return line !== undefined && (BigInt(`0x${line.split(/\s+/)[1]}`) & (1n << 12n)) !== 0n;
}

async function waitForProgress(rig: ClusterRig, batchId: string, atLeast: number): Promise<void> {
  const until = Date.now() + 120_000;
  while ((await rig.completed(batchId)) < atLeast) {
    if (Date.now() > until) throw new Error(`the batch did not reach ${atLeast} completed requests within 120 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
