import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplicaInfo } from '../../../shared/replicas.ts';
import { waitFor } from '../../support/batchApi.ts';
import { llamaUnavailableReason } from '../../support/llamaBinaries.ts';
import { netnsUnavailableReason } from '../../support/netns/netnsAvailability.ts';
import { runReplicasCommand } from '../../../src-main/cli/replicasCommand.ts';
import { ClusterRig, MODEL_ALIAS, expectedIds } from '../cluster/clusterRig.ts';

const unavailable = llamaUnavailableReason() ?? netnsUnavailableReason();
if (unavailable) console.warn(`skipping replica tests: ${unavailable}`);

const N = 240;

/**
 * Data parallel on the real llama-server: one on each of two network-namespace hosts, started over SSH by
 * `batchdeck serve`, reached through SSH tunnels, each a backend for the tiny model; a batch spreads over both
 * and survives the death of one, every custom_id exactly once.
 */
describe.skipIf(unavailable !== null)('replicas: the model served on every node', () => {
  let rig: ClusterRig;
  let killedPid: number | null = null;

  async function cli(argv: string[]): Promise<{ code: number; text: string }> {
    const out: string[] = [];
    const dd = argv.indexOf('--');
    const code = await runReplicasCommand([...(dd < 0 ? argv : argv.slice(0, dd)), '--server', rig.url, ...(dd < 0 ? [] : argv.slice(dd))], (s) => out.push(s));
    return { code, text: out.join('\n') };
  }

  const status = async () => JSON.parse((await cli(['status', '--json'])).text) as Pick<ReplicaInfo, 'node' | 'state' | 'baseUrl' | 'model' | 'pid' | 'requestsServed'>[];

  beforeAll(async () => {
    rig = await ClusterRig.create();
    await rig.startEngine();
    await rig.addNodes();
  }, 180_000);
  afterAll(async () => {
    await rig?.call('replicas.stop', {}).catch(() => undefined);
    await rig?.close();
  }, 60_000);

  it('starts llama-server on both nodes over SSH, each behind a tunnel and registered as a backend with its slots', { timeout: 180_000 }, async () => {
    const started = await cli(['start', '--model', rig.model, '--llama-server', rig.llama.llamaServer, '--json', '--', '-c', '2048', '-np', '2', '-t', '1', '-a', MODEL_ALIAS]);
    expect(started.code, started.text).toBe(0);
    const list = await status();
    expect(list.map((r) => [r.node, r.state])).toEqual([['node1', 'ready'], ['node2', 'ready']]);
    const full = await rig.call('replicas.status', {});
    expect(full.map((r) => r.slots)).toEqual([2, 2]);
    for (const r of list) {
      expect(r.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      expect(r.model).toBe(rig.model);
      // The process runs on the node (its namespace), not on the workstation's loopback.
      const node = rig.net.nodes.find((n) => n.name === r.node)!;
      expect(rig.net.processes(node).some((p) => p.pid === r.pid && p.cmdline.includes('llama-server'))).toBe(true);
    }
    const backends = await waitFor('both replica backends up with the model', async () => {
      const bs = (await rig.snapshot()).backends.filter((b) => b.name.startsWith('replica on'));
      return bs.length === 2 && bs.every((b) => b.health === 'up' && b.models.includes(MODEL_ALIAS)) ? bs : null;
    }, 30_000, 200);
    // Sized from each llama-server's 2 slots (plus the registry's small queue margin).
    expect(backends.every((b) => b.maxConcurrency >= 2)).toBe(true);

    // Started again: the running ones are not started twice.
    const again = await cli(['start', '--model', rig.model, '--llama-server', rig.llama.llamaServer]);
    expect(again.code).toBe(1);
    expect(again.text).toContain('A replica already runs on node1, node2');
  });

  it('spreads a batch over both replicas, and when one dies mid-batch the other finishes it, every request exactly once', { timeout: 300_000 }, async () => {
    // Answers of a fixed length (llama-server's ignore_eos), so the batch outlasts the wait below instead of
    // racing it. Each llama-server runs one thread (-t 1): the two "nodes" share this machine's cores, and
    // two thread pools spinning on two cores made every request ~100x slower (a 120 s timeout in CI).
    const batchId = await rig.submit(N, 'replicas.jsonl', { max_tokens: 24, ignore_eos: true });
    await waitFor('both replicas to have served requests', async () => {
      const list = await status();
      if (list.length === 2 && list.every((r) => r.requestsServed >= 5)) return list;
      // Thrown, not returned: waitFor's timeout message then says what the replicas and the batch were doing.
      const b = await rig.call('batches.get', { id: batchId });
      const backends = (await rig.snapshot()).backends.filter((x) => x.name.startsWith('replica on'));
      throw new Error([
        `batch ${b.status} ${b.counts.completed}/${N}`,
        ...list.map((r) => `${r.node} ${r.state} served ${r.requestsServed}`),
        ...backends.map((x) => `${x.name} ${x.health} inFlight ${x.inFlight} served ${x.requestsServed}${x.lastError ? ` (${x.lastError})` : ''}`),
      ].join('; '));
    }, 120_000, 100);

    const victim = (await status()).find((r) => r.node === 'node2')!;
    expect(victim.pid).not.toBeNull();
    killedPid = victim.pid;
    process.kill(victim.pid!, 'SIGKILL');
    const completedAtKill = await rig.completed(batchId);
    expect(completedAtKill).toBeLessThan(N);
    const survivorAtKill = (await status()).find((r) => r.node === 'node1')!.requestsServed;

    const done = await rig.waitDone(batchId, 240_000);
    expect(done.status).toBe('completed');
    const { ids, failed } = await rig.exactlyOnce(batchId);
    expect(failed).toBe(0);
    expect(ids).toEqual(expectedIds(N));

    const backends = (await rig.snapshot()).backends.filter((b) => b.name.startsWith('replica on'));
    const served = backends.reduce((n, b) => n + b.requestsServed, 0);
    // The dead replica's backend is gone (its in-flight requests went back to the queue); what it served
    // before is kept in its replica's count.
    const list = await status();
    expect(list.reduce((n, r) => n + r.requestsServed, 0)).toBeGreaterThanOrEqual(N);
    expect(served).toBeGreaterThan(0);
    // The rest of the batch went to the survivor.
    expect(list.find((r) => r.node === 'node1')!.requestsServed).toBeGreaterThan(survivorAtKill);
  });

  it('starts the dead replica again by itself, and stops both on request', { timeout: 120_000 }, async () => {
    const back = await waitFor('node2\'s replica to be ready again', async () => {
      const r = (await status()).find((x) => x.node === 'node2');
      return r?.state === 'ready' && r.pid !== killedPid ? r : null;
    }, 60_000, 250);
    expect(back.pid).not.toBeNull();

    const stopped = await cli(['stop', '--json']);
    expect(stopped.code).toBe(0);
    expect(JSON.parse(stopped.text)).toEqual([]);
    for (const n of rig.net.nodes) expect(rig.net.processes(n).some((p) => p.cmdline.includes('llama-server'))).toBe(false);
    expect((await rig.snapshot()).backends.filter((b) => b.name.startsWith('replica on'))).toEqual([]);
    expect(fs.existsSync(rig.model)).toBe(true);
  });

  it('stops a node\'s replica when the node is removed, leaving no process on it and no backend behind', { timeout: 120_000 }, async () => {
    const started = await cli(['start', '--model', rig.model, '--llama-server', rig.llama.llamaServer, '--node', 'node2', '--', '-c', '2048', '-np', '2', '-t', '1', '-a', MODEL_ALIAS]);
    expect(started.code, started.text).toBe(0);
    const node2 = rig.net.nodes.find((n) => n.name === 'node2')!;
    expect(rig.net.processes(node2).some((p) => p.cmdline.includes('llama-server'))).toBe(true);

    const id = (await rig.call('nodes.list', {})).find((n) => n.name === 'node2')!.id;
    await rig.call('nodes.remove', { id });
    expect(rig.net.processes(node2).some((p) => p.cmdline.includes('llama-server'))).toBe(false);
    expect(await status()).toEqual([]);
    expect((await rig.snapshot()).backends.filter((b) => b.name.startsWith('replica on'))).toEqual([]);
  });
});
