import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FitPlan } from '../../../shared/plan.ts';
import type { NodeInfo } from '../../../shared/nodes.ts';
import { runCoordinatorCommand } from '../../../src-main/cli/coordinatorCommand.ts';
import { runPlanCommand } from '../../../src-main/cli/planCommand.ts';
import { createEngine, type Engine } from '../../../src-main/core/engine.ts';
import { startHttpServer, type RunningHttpServer } from '../../../src-main/server/httpServer.ts';
import { freePort, startSshd, sshdUnavailableReason, type SshdInstance } from '../../support/sshdHarness.ts';
import { writeStandinLlamaServer } from '../../support/standinLlamaServer.ts';
import { llamaShapedTensors, syntheticGgufBytes, writeLargeSyntheticModel } from '../../unit/plan/syntheticGguf.ts';

const unavailable = sshdUnavailableReason();
if (unavailable) console.warn(`skipping fit plan tests: ${unavailable}`);

const GIB = 1024 ** 3;

/**
 * The fit plan end to end: `batchdeck plan` against `batchdeck serve`'s HTTP API, two nodes over a real sshd
 * whose (stand-in) rpc-servers report 16 GiB each through GET_DEVICE_MEMORY, and model headers read from the
 * workstation (coordinator) or over SSH from the node (replicas).
 */
describe.skipIf(unavailable !== null)('the fit plan before a load', () => {
  let sshd: SshdInstance;
  let engine: Engine;
  let http: RunningHttpServer;
  let dir: string;
  let small: string;
  let large: string;
  let llamaServer: string;

  async function cli(fn: typeof runPlanCommand, argv: string[]): Promise<{ code: number; text: string }> {
    const out: string[] = [];
    const code = await fn([...argv.slice(0, argv.indexOf('--') < 0 ? argv.length : argv.indexOf('--')), '--server', http.url, ...(argv.includes('--') ? argv.slice(argv.indexOf('--')) : [])], (s) => out.push(s));
    return { code, text: out.join('\n') };
  }

  async function call<T>(name: string, input: unknown): Promise<T> {
    const r = await engine.router.dispatch(name, input);
    if (!r.ok) throw new Error(`${name}: ${r.error.code}: ${r.error.message}`);
    return r.value as T;
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchdeck-plan-'));
    sshd = await startSshd({ rpcServerArgs: ['--mem-total', String(16 * GIB)] });
    llamaServer = writeStandinLlamaServer(sshd.dir, { loadingMs: 200 });
    // A 1B-class llama at Q4_K (about 0.6 GiB) and Llama-2-70B's shape at Q4_K (about 38 GiB): headers only.
    small = path.join(dir, 'small-q4k.gguf');
    const shape = { layers: 16, embedding: 2048, heads: 32, headsKv: 8, ff: 8192, vocab: 32000 };
    fs.writeFileSync(small, syntheticGgufBytes({ ...shape, contextLength: 4096, tensors: llamaShapedTensors({ ...shape, type: 12 }) }));
    large = path.join(dir, 'large-q4k.gguf');
    writeLargeSyntheticModel(large);
    engine = await createEngine({
      dataDir: path.join(dir, 'data'), gpu: { enabled: false },
      operator: { modelsDirs: [dir], sshKeysDirs: [os.tmpdir()], llamaServers: [llamaServer] },
    });
    http = await startHttpServer(engine, { host: '127.0.0.1', port: 0 });
    for (const name of ['node1', 'node2']) {
      await call('nodes.add', {
        name, host: sshd.host, sshPort: sshd.port, user: sshd.user, auth: { method: 'key', keyPath: sshd.keyPath },
        rpcPort: await freePort(), acceptedHostKey: sshd.hostKeyFingerprint,
      });
    }
    const nodes = await call<NodeInfo[]>('nodes.startAll', {});
    expect(nodes.map((n) => n.state)).toEqual(['running', 'running']);
  });
  afterAll(async () => {
    await call('coordinator.stop', {}).catch(() => undefined);
    await call('nodes.stopAll', {}).catch(() => undefined);
    await http?.close();
    await engine?.close();
    await sshd?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prints JSON saying a small model fits across both nodes, with the weights, the KV cache and a split by free memory', async () => {
    const { code, text } = await cli(runPlanCommand, ['--model', small, '--ctx', '8192', '--parallel', '2', '--json']);
    expect(code).toBe(0);
    const plan = JSON.parse(text) as FitPlan;
    expect(plan.modelBytes).toBeGreaterThan(0.5 * GIB);
    expect(plan.modelBytes).toBeLessThan(0.8 * GIB);
    // 16 layers x 8 KV heads x 64 dims x (K + V) x f16 x 8192 cells.
    expect(plan.kvBytes).toBe(16 * 8 * 64 * 2 * 2 * 8192);
    expect(plan.nodes.map((n) => ({ name: n.name, fits: n.fits, source: n.source }))).toEqual([
      { name: 'node1', fits: true, source: 'rpc' }, { name: 'node2', fits: true, source: 'rpc' },
    ]);
    // The stand-in reports 16 GiB total, 256 MiB in use on device 0: the nodes are alike, so the split is even.
    expect(plan.nodes[0]!.freeBytes).toBe(16 * GIB - 256 * 1024 ** 2);
    expect(plan.tensorSplit).toEqual([0.5, 0.5]);
    expect(plan.fits).toBe(true);
  });

  it('says a 70B model does not fit, with what each node needs and has, and exits 1', async () => {
    const { code, text } = await cli(runPlanCommand, ['--model', large, '--ctx', '4096']);
    expect(code).toBe(1);
    expect(text).toMatch(/^does not fit across node1, node2 with --tensor-split 0\.5,0\.5; needs \d+\.\d GiB in all; node1 needs \d+\.\d and has 15\.8 free; node2 needs/);
    const json = JSON.parse((await cli(runPlanCommand, ['--model', large, '--json'])).text) as FitPlan;
    expect(json.fits).toBe(false);
    expect(json.modelBytes).toBeGreaterThan(35 * GIB);
    expect(json.nodes.every((n) => n.fits === false && n.freeBytes! < n.needBytes)).toBe(true);
  });

  it('reads a replica\'s model header on the node over SSH and judges each node whole', async () => {
    const { code, text } = await cli(runPlanCommand, ['--model', small, '--replicas', '--node', 'node1', '--json']);
    expect(code).toBe(0);
    const plan = JSON.parse(text) as FitPlan;
    expect(plan.mode).toBe('replicas');
    expect(plan.nodes).toEqual([expect.objectContaining({ name: 'node1', fits: true, share: 1 })]);
    expect(plan.summary).toMatch(/^fits on node1; needs \d+\.\d GiB per node$/);

    const missing = await cli(runPlanCommand, ['--model', path.join(dir, 'not-there.gguf'), '--replicas', '--json']);
    expect(missing.code).toBe(1);
    expect(missing.text).toContain('does not exist or is not readable by the node\'s SSH user');
  });

  it('refuses a coordinator start that cannot fit, with the numbers, and starts it when the operator overrides', async () => {
    const refused = await cli(runCoordinatorCommand, ['start', '--model', large, '--llama-server', llamaServer, '--json']);
    expect(refused.code).toBe(1);
    expect(refused.text).toMatch(/the model does not fit: does not fit across node1, node2 .*node1 needs \d+\.\d and has 15\.8 free/);

    const forced = await cli(runCoordinatorCommand, ['start', '--model', large, '--llama-server', llamaServer, '--force', '--wait', '--json']);
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.text)).toMatchObject({ state: 'ready' });
    await call('coordinator.stop', {});
  });

  it('starts a coordinator that fits with the proposed --tensor-split, and keeps the operator\'s own', async () => {
    const started = await cli(runCoordinatorCommand, ['start', '--model', small, '--llama-server', llamaServer, '--json']);
    expect(started.code).toBe(0);
    const pid = (JSON.parse(started.text) as { pid: number }).pid;
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    expect(argv.slice(argv.indexOf('--tensor-split'), argv.indexOf('--tensor-split') + 2)).toEqual(['--tensor-split', '0.5,0.5']);
    await call('coordinator.stop', {});

    const own = await cli(runCoordinatorCommand, ['start', '--model', small, '--llama-server', llamaServer, '--json', '--', '-ts', '3,1']);
    expect(own.code).toBe(0);
    const ownArgv = fs.readFileSync(`/proc/${(JSON.parse(own.text) as { pid: number }).pid}/cmdline`, 'utf8').split('\0');
    expect(ownArgv).not.toContain('--tensor-split');
    expect(ownArgv.slice(ownArgv.indexOf('-ts'), ownArgv.indexOf('-ts') + 2)).toEqual(['-ts', '3,1']);
    await call('coordinator.stop', {});
  });
});
