import { z } from 'zod';

export const NODE_STATES = ['stopped', 'starting', 'running', 'busy', 'unreachable', 'error', 'stopping', 'unknown'] as const;
export type NodeState = (typeof NODE_STATES)[number];

/** Hostnames, IPv4 and bracket-less IPv6; nothing a shell would interpret. */
const hostPattern = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|[0-9A-Fa-f:.]+)$/;
const userPattern = /^[a-z_][a-z0-9_.-]{0,31}$/i;
/** Absolute or ~/ paths of ordinary characters; quoting still applies when they reach a shell. */
const pathPattern = /^(?:~\/|\/)[A-Za-z0-9._+/-]*$/;
const devicePattern = /^[A-Za-z0-9_,:-]{1,200}$/;

export const nodeAuthSchema = z.discriminatedUnion('method', [
  z.object({ method: z.literal('agent') }),
  z.object({ method: z.literal('key'), keyPath: z.string().regex(pathPattern, 'key path must be an absolute path'), passphrase: z.string().max(1024).optional() }),
  z.object({ method: z.literal('password'), password: z.string().min(1).max(1024) }),
]);
export type NodeAuth = z.infer<typeof nodeAuthSchema>;

export const nodeInputSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'name: letters, digits, dot, dash, underscore (max 63)'),
  host: z.string().max(253).regex(hostPattern, 'host must be a hostname or an IP address'),
  sshPort: z.number().int().min(1).max(65535).default(22),
  user: z.string().regex(userPattern, 'user must be a plain user name'),
  auth: nodeAuthSchema.default({ method: 'agent' }),
  rpcServerPath: z.string().max(1024).regex(pathPattern, 'rpc-server path must be absolute or start with ~/').or(z.literal('')).default(''),
  rpcPort: z.number().int().min(1).max(65535).default(50052),
  devices: z.string().regex(devicePattern, 'devices: a comma-separated list like CUDA0,CUDA1').or(z.literal('')).default(''),
  cache: z.boolean().default(false),
  bind: z.enum(['tunnel', 'lan']).default('tunnel'),
  /** SHA256:... fingerprint the operator accepted; null until accepted. */
  acceptedHostKey: z.string().regex(/^SHA256:[A-Za-z0-9+/=]+$/).nullable().default(null),
});
export type NodeInput = z.infer<typeof nodeInputSchema>;

export interface RpcDeviceMemory { index: number; freeBytes: number; totalBytes: number }

export interface NodeProbe {
  ok: boolean;
  busy: boolean;
  version: string | null;
  protocolMajor: number | null;
  devices: RpcDeviceMemory[];
  latencyMs: number | null;
  error: string | null;
  at: number;
}

export interface NodeInfo {
  id: string;
  name: string;
  host: string;
  sshPort: number;
  user: string;
  authMethod: NodeAuth['method'];
  rpcServerPath: string;
  rpcPort: number;
  devices: string;
  cache: boolean;
  bind: 'tunnel' | 'lan';
  acceptedHostKey: string | null;
  /** Fingerprint seen on the last contact when not (yet) accepted, or when it changed. */
  pendingHostKey: string | null;
  state: NodeState;
  /** When the node entered this state (epoch ms): "unreachable for 12 s". */
  stateSince: number;
  /** When the coordinator took this rpc-server's single connection; null when it does not hold it. */
  heldSince: number | null;
  message: string | null;
  /** The endpoint the coordinator uses: the local tunnel end or the LAN address. */
  endpoint: string | null;
  pid: number | null;
  probe: NodeProbe | null;
  versionMismatch: boolean;
  logTail: string[];
}

/** `unresponsive`: the process runs but /health stopped answering; it is killed and recovered. */
export type CoordinatorState = 'stopped' | 'checking' | 'starting' | 'loading' | 'ready' | 'unresponsive' | 'exited' | 'stopping' | 'error';

export interface CoordinatorInfo {
  state: CoordinatorState;
  baseUrl: string | null;
  model: string | null;
  endpoints: string[];
  pid: number | null;
  port: number | null;
  message: string | null;
  logTail: string[];
  exitCode: number | null;
  /** What automatic recovery is doing or gave up on (null when nothing is to recover). */
  recovery: string | null;
  /** The model id llama-server's /v1/models lists (its `-a` alias, if any); `model` stays the GGUF path. */
  servedModel?: string | null;
  /** The settings of the last start, as stored (they survive an engine restart): what the form shows. */
  lastSettings?: CoordinatorSettings | null;
}

/** rpc-server's log file on the node, read on request. */
export interface NodeLog {
  /** Where it is on the node (~/.batchdeck/rpc-server-PORT.log). */
  path: string;
  lines: string[];
  /** When it was read (epoch ms). */
  at: number;
}

export interface CoordinatorSettings {
  model: string;
  llamaServerPath: string;
  port: number | null;
  extraArgs: string[];
}

/**
 * The input of `nodes.update`: the node's fields without defaults, so an edit that leaves a field out keeps
 * it. (`nodeInputSchema.partial()` still fills in the defaults: an edit of the name alone would reset the
 * RPC port, the rpc-server path and the auth method.)
 */
export const nodeUpdateSchema = z.object({
  id: z.string().min(1),
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'name: letters, digits, dot, dash, underscore (max 63)').optional(),
  host: z.string().max(253).regex(hostPattern, 'host must be a hostname or an IP address').optional(),
  sshPort: z.number().int().min(1).max(65535).optional(),
  user: z.string().regex(userPattern, 'user must be a plain user name').optional(),
  auth: nodeAuthSchema.optional(),
  rpcServerPath: z.string().max(1024).regex(pathPattern, 'rpc-server path must be absolute or start with ~/').or(z.literal('')).optional(),
  rpcPort: z.number().int().min(1).max(65535).optional(),
  devices: z.string().regex(devicePattern, 'devices: a comma-separated list like CUDA0,CUDA1').or(z.literal('')).optional(),
  cache: z.boolean().optional(),
  bind: z.enum(['tunnel', 'lan']).optional(),
  acceptedHostKey: z.string().regex(/^SHA256:[A-Za-z0-9+/=]+$/).nullable().optional(),
});
export type NodeUpdate = z.infer<typeof nodeUpdateSchema>;
