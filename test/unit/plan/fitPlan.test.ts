import { describe, expect, it } from 'vitest';
import { computeAllowanceBytes, FIT_HEADROOM_BYTES, kvCacheBytes, kvCells, planFit, type NodeMemory } from '../../../src-main/core/plan/fitPlan.ts';
import { parseGgufHeader } from '../../../src-main/core/plan/ggufHeader.ts';
import { modelFacts, type ModelFacts } from '../../../src-main/core/plan/modelShape.ts';
import { readLlamaServerFlags } from '../../../src-main/core/plan/llamaServerFlagValues.ts';
import type { GpuHostStatus, GpuInfo } from '../../../shared/gpu.ts';
import type { NodeInfo } from '../../../shared/nodes.ts';
import { nodeMemory } from '../../../src-main/core/plan/planService.ts';
import { llamaShapedTensors, syntheticGgufBytes } from './syntheticGguf.ts';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

function facts(shape: { layers: number; embedding: number; heads: number; headsKv: number; ff: number; vocab: number; ctx: number; type: number }): ModelFacts {
  const bytes = syntheticGgufBytes({ ...shape, contextLength: shape.ctx, tensors: llamaShapedTensors(shape) });
  return modelFacts(parseGgufHeader(bytes, 'synthetic'), 'synthetic');
}

/** The tiny test model's shape (test/support/gguf/tinyLlamaModel.ts), F32. */
const tiny = facts({ layers: 2, embedding: 64, heads: 4, headsKv: 4, ff: 256, vocab: 32000, ctx: 2048, type: 0 });
/** Llama-3-8B's shape (32 layers, 8 KV heads of 128) at Q8_0. */
const llama3 = facts({ layers: 32, embedding: 4096, heads: 32, headsKv: 8, ff: 14336, vocab: 128256, ctx: 8192, type: 8 });

const node = (name: string, ...freeGib: number[]): NodeMemory => ({ id: name, name, deviceFree: freeGib.map((g) => g * GIB), source: 'rpc' });

describe('the KV cache as llama.cpp allocates it', () => {
  it('matches what llama-server reports for the tiny model at -c 2048 -np 2: 2048 cells, 1.00 MiB', () => {
    // llama_kv_cache: size = 1.00 MiB (1024 cells, 2 layers, 2/2 seqs), K (f16): 0.50 MiB, V (f16): 0.50 MiB
    expect(kvCells(2048, 2)).toBe(2048);
    expect(kvCacheBytes(tiny, kvCells(2048, 2))).toBe(1 * MIB);
  });

  it('gives Llama-3-8B\'s well-known 1 GiB at 8192 tokens in f16 (8 KV heads of 128, 32 layers), about half in q8_0', () => {
    expect(kvCacheBytes(llama3, 8192)).toBe(GIB);
    expect(kvCacheBytes(llama3, 8192, 'q8_0', 'q8_0')).toBe(GIB * (34 / 32) / 2);
  });

  it('pads the context to 256 and each slot\'s share to 256, as llama_context does', () => {
    expect(kvCells(1000, 1)).toBe(1024);
    // pad(1000) = 1024; 1024 / 3 = 341 -> 512 per slot; 3 slots.
    expect(kvCells(1000, 3)).toBe(1536);
  });
});

describe('the fit plan', () => {
  it('says which replica nodes fit and what the others lack, in one line', () => {
    const plan = planFit({ mode: 'replicas', model: '/m/llama3.gguf', facts: llama3, ctx: 8192, parallel: 4, nodes: [node('node1', 24), node('node2', 16), node('node3', 9.1)] });
    const need = plan.modelBytes + plan.kvBytes + plan.computeBytes;
    expect(plan.kvBytes).toBe(GIB);
    expect(plan.nodes.map((n) => [n.name, n.fits])).toEqual([['node1', true], ['node2', true], ['node3', false]]);
    expect(plan.fits).toBe(false);
    expect(plan.summary).toBe(`fits on node1, node2; needs ${(need / GIB).toFixed(1)} GiB, node3 has 9.1 free`);
    expect(plan.tensorSplit).toBeNull();
  });

  it('proposes a tensor split in proportion to the free memory left after each device\'s compute allowance', () => {
    const plan = planFit({ mode: 'coordinator', model: '/m/llama3.gguf', facts: llama3, ctx: 8192, nodes: [node('a', 12), node('b', 6)] });
    const c = plan.computeBytes;
    const usableA = 12 * GIB - c;
    const usableB = 6 * GIB - c;
    expect(plan.tensorSplit).toEqual([Number((usableA / (usableA + usableB)).toFixed(3)), Number((usableB / (usableA + usableB)).toFixed(3))]);
    expect(plan.tensorSplitFrom).toBe('proposed');
    expect(plan.fits).toBe(true);
    expect(plan.summary).toMatch(/^fits across a, b with --tensor-split 0\.\d+,0\.\d+; needs \d+\.\d GiB in all$/);
  });

  it('refuses a coordinator split that does not fit, with each short node\'s numbers', () => {
    const plan = planFit({ mode: 'coordinator', model: '/m/llama3.gguf', facts: llama3, ctx: 8192, nodes: [node('a', 3), node('b', 3)] });
    expect(plan.fits).toBe(false);
    expect(plan.summary).toMatch(/^does not fit across a, b .*; a needs \d+\.\d and has 3\.0 free; b needs \d+\.\d and has 3\.0 free$/);
  });

  it('keeps the operator\'s --tensor-split and judges the fit by it', () => {
    const plan = planFit({ mode: 'coordinator', model: '/m/llama3.gguf', facts: llama3, extraArgs: ['-c', '8192', '--tensor-split', '9,1'], nodes: [node('a', 12), node('b', 12)] });
    expect(plan.tensorSplitFrom).toBe('operator');
    expect(plan.tensorSplit).toEqual([0.9, 0.1]);
    expect(plan.nodes.find((n) => n.name === 'a')!.fits).toBe(true);
    expect(plan.summary).toContain('with your --tensor-split 9,1');
  });

  it('cannot tell when a node\'s free memory is unknown, and says why', () => {
    const plan = planFit({
      mode: 'replicas', model: '/m/tiny.gguf', facts: tiny, nodes: [node('a', 8), { id: 'b', name: 'b', deviceFree: null, source: null, unknownReason: 'no nvidia-smi there' }],
    });
    expect(plan.fits).toBeNull();
    expect(plan.nodes[1]).toMatchObject({ fits: null, freeBytes: null, note: 'no nvidia-smi there' });
    expect(plan.summary).toContain('b: free memory unknown (no nvidia-smi there)');
  });

  it('defaults to the model\'s training context and llama-server\'s 4 slots, and reads -c, -np, -ub and the cache types from the flags', () => {
    const byDefault = planFit({ mode: 'replicas', model: '/m', facts: llama3, nodes: [] });
    expect([byDefault.ctx, byDefault.parallel]).toEqual([8192, 4]);
    expect(readLlamaServerFlags(['-c', '4096', '--parallel=8', '-ub', '256', '-ctk', 'q8_0', '--cache-type-v', 'q4_0', '-ts', '3/1'])).toEqual({
      ctx: 4096, parallel: 8, ubatch: 256, cacheTypeK: 'q8_0', cacheTypeV: 'q4_0', tensorSplit: [3, 1],
    });
    const fromFlags = planFit({ mode: 'replicas', model: '/m', facts: llama3, extraArgs: ['-c', '4096', '-ctk', 'q8_0', '-ctv', 'q8_0'], nodes: [] });
    expect(fromFlags.kvBytes).toBe(kvCacheBytes(llama3, 4096, 'q8_0', 'q8_0'));
    expect(computeAllowanceBytes(tiny)).toBe(4 * 512 * (32000 + 8 * 64) + FIT_HEADROOM_BYTES);
  });
});

describe('where a node\'s free memory comes from', () => {
  const base: NodeInfo = {
    id: 'n1', name: 'gpu-1', host: 'h', sshPort: 22, user: 'u', authMethod: 'agent', rpcServerPath: '', rpcPort: 50052, devices: '', cache: false,
    bind: 'tunnel', acceptedHostKey: 'SHA256:x', pendingHostKey: null, state: 'running', stateSince: 0, heldSince: null, message: null,
    endpoint: null, pid: null, versionMismatch: false, logTail: [],
    probe: { ok: true, busy: false, version: '4.0.0', protocolMajor: 4, devices: [{ index: 0, freeBytes: 10 * GIB, totalBytes: 16 * GIB }], latencyMs: 1, error: null, at: 0 },
  } as NodeInfo;
  const smi = (freeMiB: (number | null)[]): GpuHostStatus => ({
    host: 'gpu-1', poller: { state: 'ok' },
    snapshot: { host: 'gpu-1', at: 0, driverVersion: null, cudaVersion: null, gpus: freeMiB.map((f, index) => ({ index, memoryFreeMiB: f }) as GpuInfo) },
  });

  it('takes the rpc-server\'s GET_DEVICE_MEMORY for the coordinator and nvidia-smi over SSH for a replica', () => {
    expect(nodeMemory(base, smi([20_000, 4_000]), 'coordinator')).toMatchObject({ deviceFree: [10 * GIB], source: 'rpc' });
    expect(nodeMemory(base, smi([20_000, 4_000]), 'replicas')).toMatchObject({ deviceFree: [20_000 * MIB, 4_000 * MIB], source: 'nvidia-smi' });
  });

  it('falls back to the other source, and says why when there is none', () => {
    expect(nodeMemory(base, null, 'replicas')).toMatchObject({ source: 'rpc' });
    // A GPU whose free memory nvidia-smi reports as N/A makes the report unusable, not a 0.
    expect(nodeMemory({ ...base, probe: null }, smi([20_000, null]), 'replicas')).toMatchObject({ deviceFree: null, source: null });
    expect(nodeMemory({ ...base, probe: null }, { host: 'gpu-1', poller: { state: 'no-gpu', message: 'x' }, snapshot: null }, 'coordinator').unknownReason)
      .toMatch(/^no nvidia-smi there and no rpc-server probe/);
  });
});
