import { ApiError } from '../../../shared/contract/index.ts';
import type { GpuHostStatus } from '../../../shared/gpu.ts';
import type { NodeInfo } from '../../../shared/nodes.ts';
import type { FitPlan, PlanInput, PlanMode } from '../../../shared/plan.ts';
import type { CommandRunner } from '../gpu/commandRunner.ts';
import { planFit, type NodeMemory } from './fitPlan.ts';
import { readLocalModelHeader, readRemoteModelHeader } from './modelHeaderSource.ts';
import { modelFacts, type ModelFacts } from './modelShape.ts';

/** What the plan reads from the rest of the engine. */
export interface PlanSources {
  nodes(): NodeInfo[];
  /** The node's last nvidia-smi poll over SSH, when its GPU monitor has one. */
  gpuStatus(nodeId: string): GpuHostStatus | null;
  /** Runs commands on the node over its SSH session (the model's header, for replicas). */
  runner(nodeId: string): CommandRunner;
  /** The operator's allow-list for models on this machine: the real path, or a 403. */
  localModel(requested: string): string;
}

const MIB = 1024 * 1024;

function rpcFree(n: NodeInfo): number[] | null {
  const devices = n.probe?.devices ?? [];
  return devices.length ? devices.map((d) => d.freeBytes) : null;
}

function smiFree(status: GpuHostStatus | null): number[] | null {
  const gpus = status?.snapshot?.gpus ?? [];
  const free = gpus.map((g) => g.memoryFreeMiB).filter((m): m is number => m !== null);
  return free.length && free.length === gpus.length ? free.map((m) => m * MIB) : null;
}

/**
 * Free memory per device of a node. The coordinator's devices are the rpc-servers' (GET_DEVICE_MEMORY, what
 * llama-server will be told); a replica's are the node's GPUs (nvidia-smi), with the rpc-server's report as the
 * fallback on a node without nvidia-smi (a CPU node reports its RAM).
 */
export function nodeMemory(n: NodeInfo, gpu: GpuHostStatus | null, mode: PlanMode): NodeMemory {
  const rpc = rpcFree(n);
  const smi = smiFree(gpu);
  const order: [number[] | null, NodeMemory['source']][] = mode === 'coordinator' ? [[rpc, 'rpc'], [smi, 'nvidia-smi']] : [[smi, 'nvidia-smi'], [rpc, 'rpc']];
  for (const [free, source] of order) if (free) return { id: n.id, name: n.name, deviceFree: free, source };
  const why = gpu?.poller.state === 'no-gpu' ? 'no nvidia-smi there' : 'no nvidia-smi report yet';
  return {
    id: n.id, name: n.name, deviceFree: null, source: null,
    unknownReason: `${why} and no rpc-server probe; start its rpc-server (nodes start) or wait for the GPU poll`,
  };
}

export function chooseNodes(all: NodeInfo[], wanted: readonly string[] | undefined, mode: PlanMode): NodeInfo[] {
  if (wanted && wanted.length) {
    return wanted.map((w) => {
      const n = all.find((x) => x.id === w || x.name === w);
      if (!n) throw new ApiError({ code: 'not_found', message: `No node ${w}. Known nodes: ${all.map((x) => x.name).join(', ') || 'none (nodes add)'}` });
      return n;
    });
  }
  if (mode === 'coordinator') return all.filter((n) => n.state === 'running' || n.state === 'busy');
  return all.filter((n) => n.acceptedHostKey !== null);
}

async function remoteFacts(model: string, nodes: NodeInfo[], src: PlanSources): Promise<{ facts: ModelFacts; unreadable: Map<string, string> }> {
  const unreadable = new Map<string, string>();
  const results = await Promise.all(nodes.map(async (n) => {
    try {
      const header = await readRemoteModelHeader(src.runner(n.id), n.name, model);
      return modelFacts(header, `${model} on ${n.name}`);
    } catch (err) {
      unreadable.set(n.id, (err as Error).message);
      return null;
    }
  }));
  const facts = results.find((f): f is ModelFacts => f !== null);
  if (!facts) {
    throw new ApiError({ code: 'unavailable', message: `Could not read the model's header on any chosen node: ${[...unreadable.values()].join('; ')}` });
  }
  return { facts, unreadable };
}

export async function computePlan(input: PlanInput, src: PlanSources): Promise<FitPlan> {
  const nodes = chooseNodes(src.nodes(), input.nodes, input.mode);
  let facts: ModelFacts;
  let unreadable = new Map<string, string>();
  if (input.mode === 'coordinator') {
    const real = src.localModel(input.model);
    try {
      facts = modelFacts(await readLocalModelHeader(real), input.model);
    } catch (err) {
      throw new ApiError({ code: 'invalid_input', message: (err as Error).message, issues: [{ path: 'model', message: (err as Error).message }] });
    }
  } else {
    if (nodes.length === 0) throw new ApiError({ code: 'conflict', message: 'No node to plan replicas on: add a node and accept its host key first' });
    ({ facts, unreadable } = await remoteFacts(input.model, nodes, src));
  }
  const readable = nodes.filter((n) => !unreadable.has(n.id));
  const plan = planFit({
    mode: input.mode, model: input.model, facts, ctx: input.ctx, parallel: input.parallel, extraArgs: input.extraArgs,
    nodes: readable.map((n) => nodeMemory(n, src.gpuStatus(n.id), input.mode)),
  });
  if (unreadable.size === 0) return plan;
  // A node without the file cannot run the replica, whatever its memory.
  const need = plan.modelBytes + plan.kvBytes + plan.computeBytes;
  const failed = nodes.filter((n) => unreadable.has(n.id)).map((n) => {
    const m = nodeMemory(n, src.gpuStatus(n.id), input.mode);
    return {
      id: n.id, name: n.name, freeBytes: m.deviceFree ? m.deviceFree.reduce((a, b) => a + b, 0) : null, needBytes: need,
      fits: false, source: m.source, share: 1, note: unreadable.get(n.id)!,
    };
  });
  return {
    ...plan, nodes: [...plan.nodes, ...failed], fits: false,
    summary: `${plan.summary}; ${failed.map((n) => `${n.name} cannot read ${input.model}`).join(', ')}`,
  };
}
