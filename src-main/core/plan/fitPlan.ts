import type { FitPlan, FitPlanNode, PlanMode } from '../../../shared/plan.ts';
import { kvCacheBytesPerElement } from './ggmlTypes.ts';
import type { ModelFacts } from './modelShape.ts';
import { readLlamaServerFlags } from './llamaServerFlagValues.ts';

/**
 * The arithmetic of the fit plan, with no I/O: a model's facts, the llama-server settings and each node's
 * free device memory in, a verdict per node and a tensor split out.
 *
 * What a device must hold:
 * - weights: the sum of the GGUF's tensor sizes (its share of them for the coordinator);
 * - KV cache: for every layer, (n_embd_k_gqa + n_embd_v_gqa) elements per cell at the cache type (f16 by
 *   default), for every cell (llama-kv-cache.cpp). Cells: llama_context pads n_ctx to 256, then gives each
 *   of the n_parallel sequences a pad(n_ctx / n_parallel, 256) share; with a unified cache it is just the
 *   padded n_ctx. The larger of the two is used, so the plan never says "fits" for a cache that does not.
 *   Sliding-window layers are counted at full size (conservative).
 * - compute allowance, per device: the logits and activations of one micro-batch,
 *   4 B x n_ubatch x (n_vocab + 8 x n_embd), plus 1 GiB of headroom, the margin llama.cpp's own
 *   `--fit` leaves free on each device (common.h fit_params_target) for its runtime and fragmentation.
 */

const GIB = 1024 ** 3;
export const FIT_HEADROOM_BYTES = GIB;
const DEFAULT_PARALLEL = 4;
const DEFAULT_UBATCH = 512;
const pad256 = (n: number) => Math.ceil(n / 256) * 256;

export interface NodeMemory {
  id: string | null;
  name: string;
  /** Free bytes of each device of the node, in the order its rpc-server lists them; null when unknown. */
  deviceFree: number[] | null;
  source: 'rpc' | 'nvidia-smi' | null;
  /** Why deviceFree is null, for the operator. */
  unknownReason?: string;
}

export interface FitInput {
  mode: PlanMode;
  model: string;
  facts: ModelFacts;
  ctx?: number | undefined;
  parallel?: number | undefined;
  extraArgs?: readonly string[];
  nodes: NodeMemory[];
}

export function gib(bytes: number): string {
  return (bytes / GIB).toFixed(1);
}

export function kvCells(ctx: number, parallel: number): number {
  const nCtx = pad256(ctx);
  return Math.max(nCtx, parallel * pad256(Math.floor(nCtx / parallel)));
}

export function kvCacheBytes(facts: ModelFacts, cells: number, cacheTypeK = 'f16', cacheTypeV = 'f16'): number {
  const bk = kvCacheBytesPerElement(cacheTypeK);
  const bv = kvCacheBytesPerElement(cacheTypeV);
  let perCell = 0;
  for (const l of facts.kvPerLayer) perCell += l.k * bk + l.v * bv;
  return Math.ceil(perCell * cells);
}

export function computeAllowanceBytes(facts: ModelFacts, ubatch = DEFAULT_UBATCH): number {
  return 4 * ubatch * (facts.shape.vocab + 8 * facts.shape.embedding) + FIT_HEADROOM_BYTES;
}

/** Proportional to what each device has left after its compute allowance; 3 decimals, as llama-server reads it. */
export function proposeTensorSplit(deviceFree: number[], computeBytes: number): number[] {
  const usable = deviceFree.map((f) => Math.max(0, f - computeBytes));
  const basis = usable.some((u) => u > 0) ? usable : deviceFree;
  const sum = basis.reduce((a, b) => a + b, 0);
  if (sum <= 0) return deviceFree.map(() => Number((1 / deviceFree.length).toFixed(3)));
  return basis.map((u) => Number((u / sum).toFixed(3)));
}

export function planFit(input: FitInput): FitPlan {
  const flags = readLlamaServerFlags(input.extraArgs ?? []);
  const ctx = input.ctx ?? flags.ctx ?? input.facts.shape.contextTrain ?? 4096;
  const parallel = input.parallel ?? flags.parallel ?? DEFAULT_PARALLEL;
  const modelBytes = input.facts.weightsBytes;
  const kvBytes = kvCacheBytes(input.facts, kvCells(ctx, parallel), flags.cacheTypeK ?? 'f16', flags.cacheTypeV ?? 'f16');
  const computeBytes = computeAllowanceBytes(input.facts, flags.ubatch ?? DEFAULT_UBATCH);
  const base = { mode: input.mode, model: input.model, shape: input.facts.shape, modelBytes, kvBytes, computeBytes, ctx, parallel };
  return input.mode === 'replicas'
    ? replicasPlan(base, input.nodes)
    : coordinatorPlan(base, input.nodes, flags.tensorSplit);
}

type PlanBase = Pick<FitPlan, 'mode' | 'model' | 'shape' | 'modelBytes' | 'kvBytes' | 'computeBytes' | 'ctx' | 'parallel'>;

function verdict(nodes: FitPlanNode[]): boolean | null {
  if (nodes.length === 0) return null;
  if (nodes.some((n) => n.fits === false)) return false;
  if (nodes.some((n) => n.fits === null)) return null;
  return true;
}

function unknownNotes(nodes: FitPlanNode[]): string[] {
  return nodes.filter((n) => n.fits === null).map((n) => `${n.name}: free memory unknown${n.note ? ` (${n.note})` : ''}`);
}

function replicasPlan(base: PlanBase, memory: NodeMemory[]): FitPlan {
  const need = base.modelBytes + base.kvBytes + base.computeBytes;
  const nodes: FitPlanNode[] = memory.map((m) => {
    const free = m.deviceFree ? m.deviceFree.reduce((a, b) => a + b, 0) : null;
    return {
      id: m.id, name: m.name, freeBytes: free, needBytes: need, share: 1, source: m.source,
      fits: free === null ? null : free >= need,
      note: m.deviceFree ? null : (m.unknownReason ?? null),
    };
  });
  const fitting = nodes.filter((n) => n.fits === true).map((n) => n.name);
  const short = nodes.filter((n) => n.fits === false).map((n) => `${n.name} has ${gib(n.freeBytes!)} free`);
  const parts = [
    fitting.length ? `fits on ${fitting.join(', ')}` : nodes.length ? 'fits on no node' : 'no node chosen',
    `needs ${gib(need)} GiB${short.length ? `, ${short.join(', ')}` : ' per node'}`,
    ...unknownNotes(nodes),
  ];
  return { ...base, nodes, fits: verdict(nodes), tensorSplit: null, tensorSplitFrom: null, summary: parts.join('; ') };
}

function coordinatorPlan(base: PlanBase, memory: NodeMemory[], operatorSplit: number[] | null): FitPlan {
  const need = base.modelBytes + base.kvBytes;
  const known = memory.every((m) => m.deviceFree !== null && m.deviceFree.length > 0);
  const deviceFree = known ? memory.flatMap((m) => m.deviceFree!) : [];
  let split: number[] | null = null;
  let from: FitPlan['tensorSplitFrom'] = null;
  const notes: string[] = [];
  if (operatorSplit) {
    const sum = operatorSplit.reduce((a, b) => a + b, 0);
    split = operatorSplit.map((x) => (sum > 0 ? x / sum : 0));
    from = 'operator';
    if (known && operatorSplit.length !== deviceFree.length) {
      notes.push(`--tensor-split has ${operatorSplit.length} values for ${deviceFree.length} devices`);
    }
  } else if (known) {
    split = proposeTensorSplit(deviceFree, base.computeBytes);
    from = 'proposed';
  }
  let device = 0;
  const nodes: FitPlanNode[] = memory.map((m) => {
    if (!m.deviceFree || !known || !split) {
      const count = m.deviceFree?.length ?? 1;
      device += count;
      return {
        id: m.id, name: m.name, freeBytes: m.deviceFree ? m.deviceFree.reduce((a, b) => a + b, 0) : null,
        needBytes: Math.ceil(need / Math.max(1, memory.length)) + base.computeBytes, share: 1 / Math.max(1, memory.length),
        source: m.source, fits: null, note: m.deviceFree ? 'free memory of another node is unknown' : (m.unknownReason ?? null),
      };
    }
    let nodeNeed = 0;
    let nodeShare = 0;
    let fits = true;
    for (const free of m.deviceFree) {
      const share = split[device] ?? 0;
      const deviceNeed = Math.ceil(need * share) + (share > 0 ? base.computeBytes : 0);
      if (deviceNeed > free) fits = false;
      nodeNeed += deviceNeed;
      nodeShare += share;
      device++;
    }
    return {
      id: m.id, name: m.name, freeBytes: m.deviceFree.reduce((a, b) => a + b, 0), needBytes: nodeNeed,
      share: Number(nodeShare.toFixed(3)), source: m.source, fits, note: null,
    };
  });
  const fits = verdict(nodes);
  const names = nodes.map((n) => n.name).join(', ');
  const splitText = split && from === 'proposed' ? ` with --tensor-split ${split.join(',')}` : split ? ` with your --tensor-split ${operatorSplit!.join(',')}` : '';
  const total = need + base.computeBytes * Math.max(1, deviceFree.length);
  const short = nodes.filter((n) => n.fits === false).map((n) => `${n.name} needs ${gib(n.needBytes)} and has ${gib(n.freeBytes!)} free`);
  const head = nodes.length === 0 ? 'no node chosen'
    : fits === true ? `fits across ${names}${splitText}`
      : fits === false ? `does not fit across ${names}${splitText}` : `cannot tell whether it fits across ${names}`;
  const summary = [head, `needs ${gib(total)} GiB in all`, ...short, ...unknownNotes(nodes), ...notes].join('; ');
  return { ...base, nodes, fits, tensorSplit: split ? split.map((x) => Number(x.toFixed(3))) : null, tensorSplitFrom: from, summary };
}
