// Replicas benchmark: one batch of the tiny model on the real llama-server, three ways over the same two
// network-namespace nodes: 1 replica, 2 replicas (data parallel), and the coordinator split over both nodes'
// rpc-servers. Requests per second from submit to completed. Measures only; nothing asserts on speed.
import { llamaUnavailableReason } from '../support/llamaBinaries.ts';
import { netnsUnavailableReason } from '../support/netns/netnsAvailability.ts';
import { ClusterRig, MODEL_ALIAS } from '../integration/cluster/clusterRig.ts';
import type { BenchRow } from './benchRow.ts';

const N = 1000;
// One thread each: the "nodes" are namespaces sharing this machine's 2 cores, and ggml's worker threads spin
// while they wait, so two llama-servers with a thread per core each starve one another (seen: 2 replicas at
// 9 req/s against 1 replica at 319) and the table would measure the scheduler, not the layouts.
const SLOTS = ['-c', '4096', '-np', '4', '-t', '1', '-a', MODEL_ALIAS];

async function timeBatch(rig: ClusterRig, name: string): Promise<{ seconds: number }> {
  const started = performance.now();
  const id = await rig.submit(N, `${name}.jsonl`);
  const done = await rig.waitDone(id, 600_000);
  const seconds = (performance.now() - started) / 1000;
  if (done.status !== 'completed') throw new Error(`${name}: the batch ended ${done.status}`);
  return { seconds };
}

function row(name: string, r: { seconds: number }): BenchRow {
  return { name, value: `${(N / r.seconds).toFixed(1)} req/s (${N} in ${r.seconds.toFixed(1)} s)`, target: 'measured' };
}

export async function runReplicasBench(): Promise<BenchRow[]> {
  let reason: string | null;
  try {
    reason = llamaUnavailableReason() ?? netnsUnavailableReason();
  } catch (err) {
    reason = (err as Error).message;
  }
  if (reason) return [{ name: 'replicas vs coordinator (tiny model)', value: `skipped: ${reason}`, target: '' }];
  const rig = await ClusterRig.create();
  const rows: BenchRow[] = [];
  try {
    await rig.startEngine();
    for (const n of rig.net.nodes) {
      await rig.call('nodes.add', {
        name: n.name, host: n.address, sshPort: n.sshd.port, user: n.sshd.user, auth: { method: 'key', keyPath: n.sshd.keyPath },
        acceptedHostKey: n.sshd.hostKeyFingerprint,
      });
    }
    const start = (nodes: string[]) => rig.call('replicas.start', { model: rig.model, llamaServerPath: rig.llama.llamaServer, nodes, extraArgs: SLOTS });
    const upBackends = (count: number) => async () => {
      for (let i = 0; i < 300; i++) {
        const bs = (await rig.snapshot()).backends.filter((b) => b.health === 'up' && b.models.includes(MODEL_ALIAS));
        if (bs.length === count) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`${count} backend(s) for ${MODEL_ALIAS} did not come up`);
    };

    await start(['node1']);
    await upBackends(1)();
    rows.push(row(`1 replica (node1), ${N} requests`, await timeBatch(rig, 'one-replica')));

    await start(['node2']);
    await upBackends(2)();
    rows.push(row(`2 replicas (node1 + node2), ${N} requests`, await timeBatch(rig, 'two-replicas')));

    await rig.call('replicas.stop', {});
    const nodes = await rig.call('nodes.startAll', {});
    if (nodes.some((n) => n.state !== 'running')) throw new Error(`rpc-server did not start: ${nodes.map((n) => `${n.name} ${n.state} ${n.message}`).join('; ')}`);
    await rig.call('coordinator.start', { model: rig.model, extraArgs: SLOTS });
    await rig.coordinatorReady(120_000);
    rows.push(row(`coordinator split over node1 + node2, ${N} requests`, await timeBatch(rig, 'coordinator')));
    await rig.call('coordinator.stop', {});
  } finally {
    await rig.close();
  }
  return rows;
}
