import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../support/batchApi.ts';
import { processAlive } from '../../support/processAlive.ts';
import { llamaUnavailableReason } from '../../support/llamaBinaries.ts';
import { netnsUnavailableReason } from '../../support/netns/netnsAvailability.ts';
import { ClusterRig, Timeline, expectedIds, recordScenario } from './clusterRig.ts';

const unavailable = llamaUnavailableReason() ?? netnsUnavailableReason();
if (unavailable) console.warn(`skipping real-cluster engine restart tests: ${unavailable}`);

const N = 200;

/**
 * The engine itself restarted (a separate `batchdeck serve` process, SIGTERM or SIGKILL) with a batch
 * running on the real cluster: the coordinator's settings and the wish that it runs are stored, the nodes
 * are re-adopted, and the coordinator runs again without a call; and with recovery switched off, the alert
 * says what to do.
 */
describe.skipIf(unavailable !== null)('the real cluster survives an engine restart, and tells when recovery is off', () => {
  let rig: ClusterRig;

  beforeEach(async () => {
    rig = await ClusterRig.create();
    await rig.startEngine();
  }, 180_000);
  afterEach(async () => {
    await rig?.close();
  }, 60_000);

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`engine ${signal}: after the restart the nodes are re-adopted and the coordinator runs again without a call`, { timeout: 300_000 }, async () => {
      await rig.startCluster();
      const batchId = await rig.submit(N, `engine-${signal}.jsonl`);
      await waitFor('progress', async () => (await rig.completed(batchId)) >= 20, 120_000, 200);
      const before = (await rig.snapshot());
      const rpcPids = rig.net.nodes.map((n) => rig.rpcServerPid(n));

      const faultAt = Date.now();
      await rig.stopEngine(signal);
      await rig.startEngine();
      const timeline = new Timeline();
      timeline.start(() => rig.snapshot());
      const back = await rig.coordinatorReady(120_000, before.coordinator.pid);
      const recoverSeconds = (Date.now() - faultAt) / 1000;
      timeline.stop();

      expect(back.endpoints).toHaveLength(2);
      // rpc-server survived on the nodes and was adopted, not started again.
      expect(rig.net.nodes.map((n) => rig.rpcServerPid(n))).toEqual(rpcPids);
      // The llama-server of the old engine does not linger, and neither does its backend.
      await waitFor('the old llama-server to be gone', () => !processAlive(before.coordinator.pid!), 30_000);
      const backends = (await rig.snapshot()).backends.filter((b) => b.kind === 'coordinator');
      expect(backends).toHaveLength(1);
      expect(backends[0]!.baseUrl).toBe(back.baseUrl);

      await rig.waitDone(batchId, 240_000);
      const { ids, failed } = await rig.exactlyOnce(batchId);
      expect(failed).toBe(0);
      expect(ids).toEqual(expectedIds(N));
      const log = await rig.batchLog(batchId);
      expect(log).toMatch(/starting it again over node1, node2/);
      // Killed with the engine's pipes, or ended by the new engine: either way the log says which.
      if (signal === 'SIGKILL') expect(log).toMatch(/previous engine left llama-server running|previous engine's llama-server \(pid \d+\) is gone/);
      // A restart works in the new engine: the settings were not forgotten.
      const restarted = await rig.call('coordinator.restart', {});
      expect(restarted.endpoints).toHaveLength(2);
      await rig.coordinatorReady(120_000, back.pid);
      if (process.env.BATCHDECK_SHOW_CLUSTER_LOG) console.log((await rig.call('cluster.log', { limit: 500 })).map((e) => `${new Date(e.at).toISOString()} ${e.level}: ${e.message}`).join('\n'));
      recordScenario({ fault: `engine ${signal} (restarted by the test)`, shown: timeline.summary(), recoverSeconds, exactlyOnce: `${ids.length}/${N}, ${new Set(ids).size} distinct, ${failed} failed (time includes the engine's own restart)` });
    });
  }

  it('with automatic recovery off: nothing restarts, the alert says what to do, and the batch finishes after the operator\'s restart', { timeout: 300_000 }, async () => {
    await rig.startCluster({ autoRecovery: false });
    const batchId = await rig.submit(N, 'recovery-off.jsonl');
    await waitFor('progress', async () => (await rig.completed(batchId)) >= 20, 120_000, 200);
    const before = (await rig.snapshot()).coordinator;

    const timeline = new Timeline();
    timeline.start(() => rig.snapshot());
    const faultAt = Date.now();
    process.kill(before.pid!, 'SIGKILL');
    const alert = await waitFor('the alert that says what to do', async () => (await rig.snapshot()).alerts.find((a) => a.key === 'cluster:recovery-off:coordinator'), 30_000, 200);
    expect(alert.message).toMatch(/automatic recovery is off\. Restart it: batchdeck coordinator restart, or Restart on the Nodes view/);
    // The waiting batch names the coordinator, not "no backend is configured".
    const waiting = await waitFor('the batch waiting alert', async () => (await rig.snapshot()).alerts.find((a) => a.key === `batch:${batchId}:waiting`), 30_000, 200);
    expect(waiting.message).toMatch(/the llama-server coordinator is exited/);
    expect(waiting.message).not.toMatch(/no backend is configured/);
    // Nothing was restarted behind the operator's back.
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await rig.snapshot()).coordinator.state).toBe('exited');
    timeline.stop();

    await rig.call('coordinator.restart', {});
    await rig.coordinatorReady(120_000, before.pid);
    const recoverSeconds = (Date.now() - faultAt) / 1000;
    await rig.waitDone(batchId, 240_000);
    const { ids, failed } = await rig.exactlyOnce(batchId);
    expect(failed).toBe(0);
    expect(ids).toEqual(expectedIds(N));
    expect((await rig.snapshot()).alerts.some((a) => a.key === 'cluster:recovery-off:coordinator')).toBe(false);
    recordScenario({ fault: 'llama-server SIGKILL, automatic recovery off', shown: `${alert.message} — ${timeline.summary()}`, recoverSeconds, exactlyOnce: `${ids.length}/${N}, ${new Set(ids).size} distinct, ${failed} failed (after the operator's restart, 3 s later)` });
  });
});
