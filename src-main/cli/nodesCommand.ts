import { parseArgs } from 'node:util';
import { ApiError, type RequestInput } from '../../shared/contract/index.ts';
import type { NodeInfo } from '../../shared/nodes.ts';
import { callApi, type ServerTarget } from './apiClient.ts';
import { runServerCommand } from './serverCommand.ts';

/**
 * `batchdeck nodes add|list|start|stop|probe|remove|accept-key`: the Nodes view from a script, over
 * `POST /api/<request>` of a running Batchdeck. argv is what follows `nodes`.
 */

export const DEFAULT_SERVER = 'http://127.0.0.1:4080';

export type Out = (s: string) => void;

/** A usage mistake: exit status 2, with the help text. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface CommonFlags {
  target: ServerTarget;
  json: boolean;
}

export const commonOptions = {
  server: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export function commonFlags(values: { server?: string | undefined; token?: string | undefined; json?: boolean | undefined }): CommonFlags {
  return {
    target: { server: values.server ?? DEFAULT_SERVER, token: values.token ?? process.env.BATCHDECK_TOKEN },
    json: values.json ?? false,
  };
}

/** What `nodes list --json` prints for each node (and the other node commands too). */
export interface NodeSummary {
  name: string;
  host: string;
  state: NodeInfo['state'];
  /** When it entered that state (epoch ms), and since when the coordinator holds it (busy), or null. */
  stateSince: number;
  heldSince: number | null;
  /** The last known probe: a busy node keeps the version, device memory and latency it last answered with. */
  version: string | null;
  devices: { index: number; freeBytes: number; totalBytes: number }[];
  latencyMs: number | null;
}

export function nodeSummary(n: NodeInfo): NodeSummary {
  return {
    name: n.name,
    host: n.host,
    state: n.state,
    stateSince: n.stateSince,
    heldSince: n.heldSince,
    version: n.probe?.version ?? null,
    devices: (n.probe?.devices ?? []).map((d) => ({ index: d.index, freeBytes: d.freeBytes, totalBytes: d.totalBytes })),
    latencyMs: n.probe?.latencyMs ?? null,
  };
}

export type NodesCommand =
  | { kind: 'help' }
  | { kind: 'add'; flags: CommonFlags; input: RequestInput<'nodes.add'> }
  | { kind: 'list'; flags: CommonFlags }
  | { kind: 'start' | 'stop'; flags: CommonFlags; names: string[]; all: boolean }
  | { kind: 'probe' | 'remove'; flags: CommonFlags; name: string }
  | { kind: 'accept-key'; flags: CommonFlags; name: string; fingerprint: string };

export const NODES_HELP = `Usage: batchdeck nodes <command> [--server URL] [--token T] [--json]

Commands:
  add --name N --host H --user U [--ssh-port 22] [--key PATH] [--rpc-port 50052]
      [--rpc-server PATH] [--bind tunnel|lan] [--devices CUDA0,CUDA1] [--cache]
      [--accept-host-key SHA256:...]
                        add a node (ssh-agent auth unless --key is given); without
                        --accept-host-key the host key is shown for you to check
  list                  every node: state, rpc-server version, device memory, latency
  start NAME... | --all start rpc-server on the nodes (in parallel with --all)
  stop NAME... | --all  stop rpc-server on the nodes
  probe NAME            run the RPC protocol probe now
  remove NAME           stop (if running) and forget the node
  accept-key NAME SHA256:...
                        accept the host key the node presented, after checking it

--server defaults to ${DEFAULT_SERVER}; --token (or BATCHDECK_TOKEN) for a server that needs one.`;

function int(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} must be a whole number, not ${JSON.stringify(value)}`);
  return Number(value);
}

export function parseNodesArgs(argv: string[]): NodesCommand {
  const [sub, ...rest] = argv;
  if (!sub || sub === 'help' || sub === '--help' || sub === '-h') return { kind: 'help' };
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: {
        ...commonOptions,
        name: { type: 'string' },
        host: { type: 'string' },
        user: { type: 'string' },
        'ssh-port': { type: 'string' },
        key: { type: 'string' },
        'rpc-port': { type: 'string' },
        'rpc-server': { type: 'string' },
        bind: { type: 'string' },
        devices: { type: 'string' },
        cache: { type: 'boolean', default: false },
        'accept-host-key': { type: 'string' },
        all: { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) return { kind: 'help' };
  const flags = commonFlags(v);
  const pos = parsed.positionals;
  const onlyFor = (allowed: string[]) => {
    const given = ['name', 'host', 'user', 'ssh-port', 'key', 'rpc-port', 'rpc-server', 'bind', 'devices', 'accept-host-key']
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined && !allowed.includes(k));
    if (given.length) throw new UsageError(`nodes ${sub} does not take --${given.join(', --')}`);
  };

  switch (sub) {
    case 'add': {
      if (pos.length) throw new UsageError(`nodes add takes flags only, not ${pos.join(' ')}`);
      const missing = ['name', 'host', 'user'].filter((k) => !(v as Record<string, unknown>)[k]);
      if (missing.length) throw new UsageError(`nodes add needs --${missing.join(', --')}`);
      if (v.bind !== undefined && v.bind !== 'tunnel' && v.bind !== 'lan') throw new UsageError(`--bind is tunnel or lan, not ${v.bind}`);
      const input: RequestInput<'nodes.add'> = {
        name: v.name!,
        host: v.host!,
        user: v.user!,
        auth: v.key ? { method: 'key', keyPath: v.key } : { method: 'agent' },
      };
      const sshPort = int(v['ssh-port'], '--ssh-port');
      const rpcPort = int(v['rpc-port'], '--rpc-port');
      if (sshPort !== undefined) input.sshPort = sshPort;
      if (rpcPort !== undefined) input.rpcPort = rpcPort;
      if (v['rpc-server'] !== undefined) input.rpcServerPath = v['rpc-server'];
      if (v.bind !== undefined) input.bind = v.bind as 'tunnel' | 'lan';
      if (v.devices !== undefined) input.devices = v.devices;
      if (v.cache) input.cache = true;
      if (v['accept-host-key'] !== undefined) input.acceptedHostKey = v['accept-host-key'];
      return { kind: 'add', flags, input };
    }
    case 'list':
      onlyFor([]);
      if (pos.length) throw new UsageError(`nodes list takes no names (got ${pos.join(' ')})`);
      return { kind: 'list', flags };
    case 'start':
    case 'stop':
      onlyFor([]);
      if (v.all && pos.length) throw new UsageError(`nodes ${sub}: give node names or --all, not both`);
      if (!v.all && pos.length === 0) throw new UsageError(`nodes ${sub} needs node names, or --all`);
      return { kind: sub, flags, names: pos, all: v.all ?? false };
    case 'probe':
    case 'remove':
      onlyFor([]);
      if (pos.length !== 1) throw new UsageError(`nodes ${sub} takes exactly one node name`);
      return { kind: sub, flags, name: pos[0]! };
    case 'accept-key':
      onlyFor([]);
      if (pos.length !== 2 || !/^SHA256:/.test(pos[1]!)) throw new UsageError('nodes accept-key takes a node name and a SHA256:... fingerprint');
      return { kind: 'accept-key', flags, name: pos[0]!, fingerprint: pos[1]! };
    default:
      throw new UsageError(`unknown nodes command ${JSON.stringify(sub)}`);
  }
}

function mib(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20).toLocaleString('en-US')} MiB`;
}

export function formatNodeLine(n: NodeInfo): string {
  const devices = (n.probe?.devices ?? []).map((d) => `#${d.index} ${mib(d.freeBytes)} free of ${mib(d.totalBytes)}`).join(', ');
  const parts = [
    `${n.name}`,
    `${n.user}@${n.host}:${n.sshPort}`,
    n.state === 'unreachable' || n.state === 'error' ? `${n.state} for ${Math.max(0, Math.round((Date.now() - n.stateSince) / 1000))} s` : n.state,
    n.probe?.version ? `rpc v${n.probe.version}${n.versionMismatch ? ' (protocol mismatch!)' : ''}` : null,
    devices || null,
    n.probe?.latencyMs != null ? `${n.probe.latencyMs} ms` : null,
    n.endpoint ? `endpoint ${n.endpoint}` : null,
  ].filter(Boolean);
  let line = parts.join('  ');
  if (n.message) line += `\n    ${n.message}`;
  if (n.pendingHostKey) {
    line += `\n    host key presented: ${n.pendingHostKey}\n    check it on the node (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then: batchdeck nodes accept-key ${n.name} ${n.pendingHostKey}`;
  }
  return line;
}

async function nodeByName(target: ServerTarget, name: string): Promise<NodeInfo> {
  const nodes = await callApi(target, 'nodes.list', {});
  const found = nodes.find((n) => n.name === name || n.id === name);
  if (!found) {
    throw new ApiError({ code: 'not_found', message: `No node named ${name}${nodes.length ? ` (nodes: ${nodes.map((n) => n.name).join(', ')})` : ' (no node is configured)'}` });
  }
  return found;
}

function printNodes(out: Out, json: boolean, nodes: NodeInfo[], detailed: boolean): void {
  if (json) {
    out(JSON.stringify(nodes.map((n) => (detailed ? { ...nodeSummary(n), message: n.message, pendingHostKey: n.pendingHostKey } : nodeSummary(n))), null, 2));
  } else if (nodes.length === 0) {
    out('No nodes. Add one with: batchdeck nodes add --name N --host H --user U');
  } else {
    for (const n of nodes) out(formatNodeLine(n));
  }
}

/** Runs `batchdeck nodes ...`; returns the exit status (0 ok, 1 failed, 2 usage). */
export async function runNodesCommand(argv: string[], out: Out): Promise<number> {
  return runServerCommand<Exclude<NodesCommand, { kind: 'help' }>>({
    name: 'nodes',
    help: NODES_HELP,
    parse: parseNodesArgs,
    run: async (cmd) => {
      const { target, json } = cmd.flags;
      switch (cmd.kind) {
        case 'add': {
          const node = await callApi(target, 'nodes.add', cmd.input);
          printNodes(out, json, [node], true);
          return node.state === 'error' || node.state === 'unreachable' ? 1 : 0;
        }
        case 'list':
          printNodes(out, json, await callApi(target, 'nodes.list', {}), false);
          return 0;
        case 'start':
        case 'stop': {
          const request = cmd.kind === 'start' ? 'nodes.start' : 'nodes.stop';
          const wanted = cmd.kind === 'start' ? ['running', 'busy'] : ['stopped'];
          let results: NodeInfo[];
          let failures: string[] = [];
          if (cmd.all) {
            results = await callApi(target, cmd.kind === 'start' ? 'nodes.startAll' : 'nodes.stopAll', {});
          } else {
            const nodes = await Promise.all(cmd.names.map((name) => nodeByName(target, name)));
            const settled = await Promise.allSettled(nodes.map((n) => callApi(target, request, { id: n.id })));
            results = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
            failures = settled.flatMap((s, i) => (s.status === 'rejected' ? [`${nodes[i]!.name}: ${(s.reason as Error).message}`] : []));
            if (failures.length) {
              const after = await callApi(target, 'nodes.list', {});
              results = after.filter((n) => nodes.some((x) => x.id === n.id));
            }
          }
          printNodes(out, json, results, true);
          if (!json) for (const f of failures) out(`error: ${f}`);
          return failures.length || results.some((n) => !wanted.includes(n.state)) ? 1 : 0;
        }
        case 'probe': {
          const node = await nodeByName(target, cmd.name);
          const probe = await callApi(target, 'nodes.probe', { id: node.id });
          if (json) out(JSON.stringify({ name: node.name, ...probe }, null, 2));
          else if (probe.ok) out(`${node.name}: rpc-server v${probe.version} answers in ${probe.latencyMs} ms; ${probe.devices.length} device(s): ${probe.devices.map((d) => `#${d.index} ${mib(d.freeBytes)} free of ${mib(d.totalBytes)}`).join(', ')}`);
          else out(`${node.name}: ${probe.busy ? 'busy' : 'not answering'}: ${probe.error}`);
          return probe.ok || probe.busy ? 0 : 1;
        }
        case 'remove': {
          const node = await nodeByName(target, cmd.name);
          const res = await callApi(target, 'nodes.remove', { id: node.id });
          out(json ? JSON.stringify({ name: node.name, ...res }) : `removed ${node.name}`);
          return 0;
        }
        case 'accept-key': {
          const node = await nodeByName(target, cmd.name);
          const after = await callApi(target, 'nodes.acceptHostKey', { id: node.id, fingerprint: cmd.fingerprint });
          printNodes(out, json, [after], true);
          return after.state === 'error' || after.state === 'unreachable' ? 1 : 0;
        }
      }
    },
  }, argv, out);
}

export function reportFailure(out: Out, json: boolean, err: unknown): number {
  const message = (err as Error).message ?? String(err);
  const code = err instanceof ApiError ? err.code : 'internal';
  if (json) out(JSON.stringify({ error: { code, message, ...(err instanceof ApiError && err.issues ? { issues: err.issues } : {}) } }, null, 2));
  else {
    out(`error: ${message}`);
    if (err instanceof ApiError && err.issues) for (const i of err.issues) out(`  ${i.path}: ${i.message}`);
  }
  return 1;
}
