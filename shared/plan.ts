import { z } from 'zod';

/** Absolute or ~/ paths of ordinary characters (as the coordinator's model path). */
const modelPathPattern = /^(?:~\/|\/)[A-Za-z0-9._+/-]*$/;

/**
 * `coordinator`: one llama-server on the workstation, the model split across the nodes' rpc-servers; the model
 * file is on the workstation. `replicas`: a whole llama-server on each node; the model file is on each node.
 */
export const PLAN_MODES = ['coordinator', 'replicas'] as const;
export type PlanMode = (typeof PLAN_MODES)[number];

export const planInputSchema = z.object({
  model: z.string().min(1).max(1024).regex(modelPathPattern, 'model must be an absolute path to a GGUF file'),
  mode: z.enum(PLAN_MODES).default('coordinator'),
  /** llama-server's -c: the context of all slots together; default the model's training context, as llama-server. */
  ctx: z.number().int().min(1).max(16_777_216).optional(),
  /** llama-server's -np: parallel slots; default 4, as llama-server. */
  parallel: z.number().int().min(1).max(1024).optional(),
  /** Node ids or names; default the nodes that run (coordinator) or every node (replicas). */
  nodes: z.array(z.string().min(1).max(100)).max(256).optional(),
  /** The llama-server flags the start would use: -c, -np, --tensor-split, -ctk/-ctv are read from them. */
  extraArgs: z.array(z.string().max(1024)).max(100).default([]),
});
export type PlanInput = z.infer<typeof planInputSchema>;

export interface ModelShape {
  architecture: string;
  layers: number;
  contextTrain: number | null;
  embedding: number;
  heads: number;
  /** Key/value heads of the widest layer (fewer than `heads` with grouped-query attention). */
  headsKv: number;
  keyLength: number;
  valueLength: number;
  vocab: number;
  tensors: number;
}

export interface FitPlanNode {
  id: string | null;
  name: string;
  /** Free device memory (summed over the node's devices); null when nothing reported it. */
  freeBytes: number | null;
  /** What this node must hold: its share of weights and KV cache plus its compute buffer. */
  needBytes: number;
  fits: boolean | null;
  /** Where freeBytes came from: the RPC probe's GET_DEVICE_MEMORY or nvidia-smi over SSH. */
  source: 'rpc' | 'nvidia-smi' | null;
  /** The node's fraction of the model (coordinator); 1 for a replica. */
  share: number;
  note: string | null;
}

export interface FitPlan {
  mode: PlanMode;
  model: string;
  shape: ModelShape;
  /** Sum of the tensors' sizes in the GGUF (their ggml types, quantized blocks included). */
  modelBytes: number;
  /** K and V for every layer, ctx cells, at the cache type (f16 unless -ctk/-ctv say otherwise). */
  kvBytes: number;
  /** The documented allowance per device for llama.cpp's compute buffers and runtime (see fitPlan.ts). */
  computeBytes: number;
  ctx: number;
  parallel: number;
  nodes: FitPlanNode[];
  /** True when every node fits, false when one does not, null when a node's free memory is unknown. */
  fits: boolean | null;
  /** Per device, in the order llama-server lists the RPC devices; null for replicas. */
  tensorSplit: number[] | null;
  /** Whether tensorSplit is the operator's own --tensor-split (kept) or the proposal. */
  tensorSplitFrom: 'operator' | 'proposed' | null;
  summary: string;
}
