import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../support/batchApi.ts';
import { llamaUnavailableReason } from '../../support/llamaBinaries.ts';
import { netnsUnavailableReason } from '../../support/netns/netnsAvailability.ts';
import { ClusterRig, Timeline, expectedIds, recordScenario } from './clusterRig.ts';

const unavailable = llamaUnavailableReason() ?? netnsUnavailableReason();
if (unavailable) console.warn(`skipping real-cluster link fault tests: ${unavailable}`);

const N = 200;

/**
 * Faults of the network and of SSH, against real sshd in network namespaces and the real llama.cpp: the
 * node must read unreachable soon after the cut, the batch must end with every custom_id exactly once, and
 * the cluster must come back by itself once the link does.
 */
describe.skipIf(unavailable !== null)('the real cluster survives a cut link and dropped SSH sessions by itself', () => {
  let rig: ClusterRig;

  beforeEach(async () => {
    rig = await ClusterRig.create();
    await rig.startEngine();
    await rig.startCluster();
  }, 180_000);
  afterEach(async () => {
    await rig?.close();
  }, 60_000);

  it('a 20 s link cut: shown unreachable within seconds, the coordinator stops and comes back when the link does', { timeout: 300_000 }, async () => {
    const batchId = await rig.submit(N, 'link-cut.jsonl');
    await waitFor('progress', async () => (await rig.completed(batchId)) >= 20, 120_000, 200);
    const before = (await rig.snapshot()).coordinator;
    const node = rig.net.nodes[1]!;

    const timeline = new Timeline();
    timeline.start(() => rig.snapshot());
    const cutAt = Date.now();
    await rig.net.cutLink(node);
    let restoredAt = 0;
    try {
      const unreachable = await waitFor('node2 to read unreachable', async () => {
        const n = (await rig.snapshot()).nodes.find((x) => x.name === node.name);
        return n?.state === 'unreachable' ? n : null;
      }, 30_000, 100);
      const detectSeconds = (Date.now() - cutAt) / 1000;
      expect(unreachable.stateSince).toBeGreaterThanOrEqual(cutAt);
      // The coordinator lost a worker: it is not left "ready" with requests hanging on it.
      await waitFor('the coordinator to leave ready', async () => (await rig.snapshot()).coordinator.state !== 'ready', 30_000, 100);
      const waiting = await waitFor('the coordinator to say it waits for node2', async () => {
        const c = (await rig.snapshot()).coordinator;
        return c.recovery && /waiting for node2 \(unreachable for \d+ s\)/.test(c.recovery) ? c : null;
      }, 30_000, 200);
      expect(waiting.state).not.toBe('ready');
      await new Promise((r) => setTimeout(r, Math.max(0, 20_000 - (Date.now() - cutAt))));
      await rig.net.restoreLink(node);
      restoredAt = Date.now();

      const back = await rig.coordinatorReady(120_000, before.pid);
      const recoverSeconds = (Date.now() - restoredAt) / 1000;
      timeline.stop();
      expect(back.endpoints).toHaveLength(2);

      await rig.waitDone(batchId, 240_000);
      const { ids, failed } = await rig.exactlyOnce(batchId);
      expect(failed).toBe(0);
      expect(ids).toEqual(expectedIds(N));
      const log = await rig.batchLog(batchId);
      expect(log).toMatch(/The coordinator lost node2|llama-server exited unexpectedly/);
      recordScenario({
        fault: '20 s link cut of node2',
        shown: `unreachable after ${detectSeconds.toFixed(1)} s; ${timeline.summary()}`,
        recoverSeconds,
        exactlyOnce: `${ids.length}/${N}, ${new Set(ids).size} distinct, ${failed} failed (recovery timed from the link's return; ${/stayed busy/.test(log) ? 'an orphaned SSH channel held rpc-server: Batchdeck restarted it' : 'rpc-server was free when the link returned'})`,
      });
    } finally {
      timeline.stop();
      if (!restoredAt) await rig.net.restoreLink(node);
    }
  });

  it('the node\'s SSH sessions killed: the session reopens, rpc-server is freed, the coordinator comes back', { timeout: 300_000 }, async () => {
    const batchId = await rig.submit(N, 'ssh-kill.jsonl');
    await waitFor('progress', async () => (await rig.completed(batchId)) >= 20, 120_000, 200);
    const before = (await rig.snapshot()).coordinator;
    const node = rig.net.nodes[0]!;

    const timeline = new Timeline();
    timeline.start(() => rig.snapshot());
    const faultAt = Date.now();
    await rig.net.killSshSessions(node);
    const back = await rig.coordinatorReady(120_000, before.pid);
    const recoverSeconds = (Date.now() - faultAt) / 1000;
    timeline.stop();
    expect(back.endpoints).toHaveLength(2);

    await rig.waitDone(batchId, 240_000);
    const { ids, failed } = await rig.exactlyOnce(batchId);
    expect(failed).toBe(0);
    expect(ids).toEqual(expectedIds(N));
    recordScenario({ fault: 'sshd sessions of node1 killed', shown: timeline.summary(), recoverSeconds, exactlyOnce: `${ids.length}/${N}, ${new Set(ids).size} distinct, ${failed} failed` });
  });
});
