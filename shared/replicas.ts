import { z } from 'zod';

/** Paths on the node: absolute or ~/, ordinary characters (quoted anyway when they reach the node's shell). */
const nodePathPattern = /^(?:~\/|\/)[A-Za-z0-9._+/-]*$/;

export const replicasStartSchema = z.object({
  /** The GGUF on each node (the same path on every node). */
  model: z.string().min(1).max(1024).regex(nodePathPattern, 'model must be an absolute (or ~/) path to a GGUF file on the nodes'),
  /** llama-server on each node; empty: found on the node's PATH or in ~/llama.cpp/build/bin. */
  llamaServerPath: z.string().max(1024).regex(nodePathPattern, 'llama-server path must be absolute or start with ~/').optional(),
  /** Node ids or names; default every node with an accepted host key. */
  nodes: z.array(z.string().min(1).max(100)).max(256).optional(),
  /** llama-server flags (the operator's allow-list of tuning flags applies). */
  extraArgs: z.array(z.string().max(1024)).max(100).default([]),
  /** Start even where the fit plan says the model does not fit. */
  override: z.boolean().optional(),
});
export type ReplicasStart = z.infer<typeof replicasStartSchema>;

export const replicasStopSchema = z.object({ nodes: z.array(z.string().min(1).max(100)).max(256).optional() });

export type ReplicaState = 'starting' | 'loading' | 'ready' | 'unresponsive' | 'exited' | 'recovering' | 'stopping' | 'stopped' | 'error';

export interface ReplicaInfo {
  nodeId: string;
  node: string;
  state: ReplicaState;
  /** The SSH tunnel's local end, as registered as a backend (http://127.0.0.1:P/v1). */
  baseUrl: string | null;
  model: string;
  pid: number | null;
  /** Requests this replica answered successfully since it was registered. */
  requestsServed: number;
  /** Parallel slots from its /props total_slots. */
  slots: number | null;
  message: string | null;
  logTail: string[];
}
