import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplicaInfo } from '../../../shared/replicas.ts';
import { waitFor } from '../../support/batchApi.ts';
import { llamaUnavailableReason } from '../../support/llamaBinaries.ts';
import { netnsUnavailableReason } from '../../support/netns/netnsAvailability.ts';
import { processAlive } from '../../support/processAlive.ts';
import { ClusterRig, MODEL_ALIAS, expectedIds } from '../cluster/clusterRig.ts';

const unavailable = llamaUnavailableReason() ?? netnsUnavailableReason();
if (unavailable) console.warn(`skipping replica engine-restart tests: ${unavailable}`);

const N = 200;

/**
 * Replicas are part of the stored desired state: the engine (a separate `batchdeck serve` process) is killed
 * while two replicas on network-namespace hosts serve a batch; the next engine adopts the llama-servers that
 * still run (same pids, same backends), starts again the one that died meanwhile, and the batch ends with every
 * custom_id exactly once. Recovery switched off leaves a dead replica alone with an alert that says what to do.
 */
describe.skipIf(unavailable !== null)('replicas survive an engine restart', () => {
  let rig: ClusterRig;

  const replicas = async (): Promise<ReplicaInfo[]> => rig.call('replicas.status', {});
  const byNode = async (name: string): Promise<ReplicaInfo | undefined> => (await replicas()).find((r) => r.node === name);
  const replicaBackends = async () => (await rig.snapshot()).backends.filter((b) => b.name.startsWith('replica on'));
  const clusterLog = async () => (await rig.call('cluster.log', { limit: 500 })).map((e) => `${e.level}: ${e.message}`).join('\n');
  /** Both ready; with `pids` (node name -> pid), still those very processes. */
  const bothReady = (pids?: Map<string, number | null>) => waitFor('both replicas ready', async () => {
    const list = await replicas();
    const ok = list.length === 2 && list.every((r) => r.state === 'ready') && (!pids || list.every((r) => r.pid === pids.get(r.node)));
    return ok ? list : null;
  }, 120_000, 250);

  beforeAll(async () => {
    rig = await ClusterRig.create();
    await rig.startEngine();
    await rig.addNodes();
    await rig.call('replicas.start', { model: rig.model, llamaServerPath: rig.llama.llamaServer, extraArgs: ['-c', '2048', '-np', '2', '-t', '1', '-a', MODEL_ALIAS] });
    await bothReady();
  }, 240_000);
  afterAll(async () => {
    await rig?.call('replicas.stop', {}).catch(() => undefined);
    await rig?.close();
  }, 60_000);

  it('engine SIGKILL mid-batch: the next engine adopts both running replicas (same pids, same backends) and the batch ends exactly once', { timeout: 300_000 }, async () => {
    const batchId = await rig.submit(N, 'replicas-engine-kill.jsonl');
    await waitFor('both replicas serving', async () => (await replicas()).every((r) => r.requestsServed >= 5), 120_000, 100);
    const before = await replicas();
    const backendsBefore = (await replicaBackends()).map((b) => b.id).sort();
    expect(backendsBefore).toHaveLength(2);
    expect(await rig.completed(batchId)).toBeLessThan(N);

    await rig.stopEngine('SIGKILL');
    // The replicas are detached on the nodes: the engine's death is not theirs.
    for (const r of before) expect(processAlive(r.pid!)).toBe(true);
    await rig.startEngine();

    const after = await bothReady(new Map(before.map((r) => [r.node, r.pid])));
    expect(after.map((r) => r.node)).toEqual(['node1', 'node2']);
    const backends = await waitFor('the same two backends up again', async () => {
      const bs = await replicaBackends();
      return bs.length === 2 && bs.every((b) => b.health === 'up' && b.enabled) ? bs : null;
    }, 60_000, 200);
    expect(backends.map((b) => b.id).sort()).toEqual(backendsBefore);
    expect(backends.map((b) => b.baseUrl).sort()).toEqual(after.map((r) => r.baseUrl).sort());

    const done = await rig.waitDone(batchId, 240_000);
    expect(done.status).toBe('completed');
    const { ids, failed } = await rig.exactlyOnce(batchId);
    expect(failed).toBe(0);
    expect(ids).toEqual(expectedIds(N));
    const log = await clusterLog();
    for (const r of before) expect(log).toContain(`Replica on ${r.node} adopted: llama-server pid ${r.pid} serves again`);
    expect(await rig.batchLog(batchId)).toMatch(/Cluster: Replica on node\d: the engine restarted and its llama-server still runs/);
  });

  it('a replica killed while the engine is down is started again once the engine is back; the other is adopted', { timeout: 300_000 }, async () => {
    const before = await replicas();
    const node1 = before.find((r) => r.node === 'node1')!;
    const node2 = before.find((r) => r.node === 'node2')!;
    await rig.stopEngine('SIGTERM');
    process.kill(node2.pid!, 'SIGKILL');
    await waitFor('node2\'s llama-server gone', () => !processAlive(node2.pid!), 10_000);
    await rig.startEngine();
    const batchId = await rig.submit(120, 'replicas-restart-gone.jsonl');

    const back = await waitFor('node2 restarted, node1 adopted', async () => {
      const list = await replicas();
      const one = list.find((r) => r.node === 'node1');
      const two = list.find((r) => r.node === 'node2');
      return one?.state === 'ready' && two?.state === 'ready' && two.pid !== node2.pid ? { one, two } : null;
    }, 120_000, 250);
    expect(back.one.pid).toBe(node1.pid);
    expect(back.two.pid).not.toBeNull();
    const log = await clusterLog();
    if (process.env.BATCHDECK_SHOW_CLUSTER_LOG) console.log((await rig.call('cluster.log', { limit: 500 })).map((e) => `${new Date(e.at).toISOString()} ${e.level}: ${e.message}`).join('\n'));
    expect(log).toContain('Replica on node2: the engine restarted and its llama-server is gone');
    expect(log).toMatch(/Replica on node2 is down \(its llama-server stopped while the engine was down\); starting it again \(try 1 of 3\)/);
    expect(log).toMatch(/Replica on node2 runs again: llama-server pid \d+/);
    expect(await replicaBackends()).toHaveLength(2);

    await rig.waitDone(batchId, 240_000);
    const { ids, failed } = await rig.exactlyOnce(batchId);
    expect(failed).toBe(0);
    expect(ids).toEqual(expectedIds(120));
  });

  it('with automatic recovery off, a dead replica stays down with one alert that says what to do; turned back on, it is restarted', { timeout: 180_000 }, async () => {
    await rig.call('settings.update', { autoRecovery: false });
    const victim = (await byNode('node1'))!;
    process.kill(victim.pid!, 'SIGKILL');
    const alert = await waitFor('the replica alert', async () => (await rig.snapshot()).alerts.find((a) => a.key === `replica:${victim.nodeId}:down`), 30_000, 200);
    expect(alert.message).toMatch(/^llama-server replica on node1 stopped unexpectedly: its process \(pid \d+\) is gone/);
    expect(alert.message).toContain('Automatic recovery is off: start it again from the Nodes view or `batchdeck replicas start --node node1');
    expect(alert.message).toContain('or turn on automatic recovery in Settings.');
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await byNode('node1'))!.state).toBe('exited');
    // One alert for one crash.
    expect((await rig.snapshot()).alerts.filter((a) => a.severity === 'critical' && a.message.includes('node1'))).toHaveLength(1);

    await rig.call('settings.update', { autoRecovery: true });
    const again = await waitFor('node1 restarted', async () => {
      const r = await byNode('node1');
      return r?.state === 'ready' && r.pid !== victim.pid ? r : null;
    }, 60_000, 250);
    expect(again.pid).not.toBeNull();
    await waitFor('the alert cleared', async () => !(await rig.snapshot()).alerts.some((a) => a.key === `replica:${victim.nodeId}:down`), 10_000, 200);
  });

  it('`replicas stop` clears the wish: the next engine starts no replica', { timeout: 120_000 }, async () => {
    await rig.call('replicas.stop', {});
    await rig.stopEngine('SIGTERM');
    await rig.startEngine();
    // A few reconciler passes: nothing is started, and no replica backend is left.
    await new Promise((r) => setTimeout(r, 4_000));
    expect(await replicas()).toEqual([]);
    expect(await replicaBackends()).toEqual([]);
    for (const n of rig.net.nodes) expect(rig.net.processes(n).some((p) => p.cmdline.includes('llama-server'))).toBe(false);
  });
});
