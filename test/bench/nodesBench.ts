// Nodes benchmark: "Start all" on 16 nodes (16 real sshd instances on loopback, each its own node with its
// own home and a stand-in rpc-server), seconds until every node is confirmed running by the probe; then the
// probe's latency through the SSH tunnels. Measures only; nothing here asserts on speed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ChangeFeed } from '../../src-main/core/events/changeFeed.ts';
import { NodeService } from '../../src-main/core/nodes/nodeService.ts';
import { openDatabase } from '../../src-main/core/store/database.ts';
import { testOperator } from '../support/testOperator.ts';
import { freePort, startSshd, sshdUnavailableReason, type SshdInstance } from '../support/sshdHarness.ts';
import type { BenchRow } from './benchRow.ts';

const NODES = 16;
const PROBE_ROUNDS = 10;
const BUDGET_MS = 180_000;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export async function runNodesBench(): Promise<BenchRow[]> {
  const reason = sshdUnavailableReason();
  if (reason) return [{ name: `start all (${NODES} nodes)`, value: `skipped: ${reason}`, target: '< 10 s' }];

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchdeck-nodes-bench-'));
  const db = openDatabase(path.join(dir, 'bench.sqlite'));
  const sshds: SshdInstance[] = [];
  const service = new NodeService({
    db,
    feed: new ChangeFeed(),
    alerts: { raise: () => {}, clear: () => {} },
    registrar: { registerCoordinator: () => {}, unregisterCoordinator: () => {} },
    secrets: null,
    // Only the benchmark probes: the periodic check would compete for the single rpc-server connection.
    probeIntervalMs: 3_600_000,
    checkOnStart: false,
    operator: testOperator(),
  });
  let budget: NodeJS.Timeout | undefined;
  const work = async (): Promise<BenchRow[]> => {
    sshds.push(...(await Promise.all(Array.from({ length: NODES }, () => startSshd()))));
    const ids = await Promise.all(sshds.map(async (s, i) => {
      const n = await service.add({
        name: `bench-${String(i + 1).padStart(2, '0')}`, host: s.host, sshPort: s.port, user: s.user,
        auth: { method: 'key', keyPath: s.keyPath }, rpcServerPath: '', rpcPort: await freePort(), devices: '', cache: false,
        bind: 'tunnel', acceptedHostKey: s.hostKeyFingerprint,
      });
      return n.id;
    }));

    const t0 = performance.now();
    const started = await service.startAll();
    const seconds = (performance.now() - t0) / 1000;
    const running = started.filter((n) => n.state === 'running').length;

    const hello: number[] = [];
    const whole: number[] = [];
    for (let round = 0; round < PROBE_ROUNDS; round++) {
      for (const id of ids) {
        const t = performance.now();
        const p = await service.probe(id);
        whole.push(performance.now() - t);
        if (p.ok && p.latencyMs != null) hello.push(p.latencyMs);
      }
    }
    hello.sort((a, b) => a - b);
    whole.sort((a, b) => a - b);
    await service.stopAll();
    const ms = (v: number) => `${v.toFixed(2)} ms`;
    return [
      { name: `start all: ${NODES} nodes confirmed running (${running}/${NODES})`, value: `${seconds.toFixed(2)} s`, target: '< 10 s' },
      { name: `probe latency p50 (HELLO via SSH tunnel, n=${hello.length})`, value: ms(percentile(hello, 50)), target: '< 5 ms' },
      { name: 'probe latency p95 (HELLO via SSH tunnel)', value: ms(percentile(hello, 95)), target: '< 20 ms' },
      { name: 'full probe p50 (channel + HELLO + devices)', value: ms(percentile(whole, 50)), target: '< 20 ms' },
      { name: 'full probe p95 (channel + HELLO + devices)', value: ms(percentile(whole, 95)), target: '< 50 ms' },
    ];
  };
  try {
    return await Promise.race([
      work(),
      new Promise<never>((_, reject) => {
        budget = setTimeout(() => reject(new Error(`nodes bench did not finish within ${BUDGET_MS / 1000} s`)), BUDGET_MS);
      }),
    ]);
  } finally {
    clearTimeout(budget);
    await service.close();
    await Promise.allSettled(sshds.map((s) => s.stop()));
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
