import type { RequestInput } from '../../shared/contract/index.ts';
import type { ReplicaInfo } from '../../shared/replicas.ts';
import { callApi } from './apiClient.ts';
import { parseCommandFlags, splitAtDashDash } from './commandArgs.ts';
import { runServerCommand } from './serverCommand.ts';
import { UsageError, commonFlags, commonOptions, type Out } from './nodesCommand.ts';

export const REPLICAS_HELP = `Usage: batchdeck replicas <command> [--server URL] [--token T] [--json]

Commands:
  start --model PATH [--llama-server PATH] [--node NAME]... [--force] [-- llama-server flags]
          llama-server on each node (default: every node with an accepted host key), bound to the node's
          127.0.0.1 and reached through an SSH tunnel; each replica is a backend for the model, and a batch for
          it spreads over all of them by free slots. PATH (model, llama-server) are paths on the nodes.
          The fit plan runs first: a model that does not fit is refused unless --force.
  status  one entry per replica: {node, state, baseUrl, model, pid, requestsServed}
  stop [--node NAME]...   stop the replicas (default all)

--server defaults to http://127.0.0.1:4080; --token (or BATCHDECK_TOKEN) for a server that needs one.`;

type Parsed =
  | { kind: 'help' }
  | { kind: 'start'; flags: ReturnType<typeof commonFlags>; input: RequestInput<'replicas.start'> }
  | { kind: 'status'; flags: ReturnType<typeof commonFlags> }
  | { kind: 'stop'; flags: ReturnType<typeof commonFlags>; nodes: string[] };

export function parseReplicasArgs(argv: string[]): Parsed {
  const [sub, ...rest] = argv;
  if (!sub || sub === 'help' || sub === '--help' || sub === '-h') return { kind: 'help' };
  const { own, passThrough: extraArgs } = splitAtDashDash(rest);
  const parsed = parseCommandFlags(own, {
    ...commonOptions,
    model: { type: 'string' },
    'llama-server': { type: 'string' },
    node: { type: 'string', multiple: true },
    force: { type: 'boolean', default: false },
  });
  const v = parsed.values;
  if (v.help) return { kind: 'help' };
  const flags = commonFlags(v);
  if (sub === 'start') {
    if (!v.model) throw new UsageError('replicas start needs --model PATH (the GGUF\'s path on the nodes)');
    const input: RequestInput<'replicas.start'> = { model: v.model, extraArgs };
    if (v['llama-server']) input.llamaServerPath = v['llama-server'];
    if (v.node?.length) input.nodes = v.node;
    if (v.force) input.override = true;
    return { kind: 'start', flags, input };
  }
  if (sub === 'status' || sub === 'stop') {
    const extra = ['model', 'llama-server'].filter((k) => (v as Record<string, unknown>)[k] !== undefined);
    if (extra.length || extraArgs.length || v.force || (sub === 'status' && v.node)) throw new UsageError(`replicas ${sub} takes no ${extra.length ? `--${extra.join(', --')}` : 'such flags'}`);
    return sub === 'status' ? { kind: 'status', flags } : { kind: 'stop', flags, nodes: v.node ?? [] };
  }
  throw new UsageError(`unknown replicas command ${JSON.stringify(sub)}`);
}

/** What `replicas status --json` prints per replica. */
export function replicaSummary(r: ReplicaInfo): Pick<ReplicaInfo, 'node' | 'state' | 'baseUrl' | 'model' | 'pid' | 'requestsServed'> {
  return { node: r.node, state: r.state, baseUrl: r.baseUrl, model: r.model, pid: r.pid, requestsServed: r.requestsServed };
}

export function formatReplicas(list: ReplicaInfo[]): string {
  if (list.length === 0) return 'no replicas';
  const total = list.reduce((n, r) => n + r.requestsServed, 0);
  return list.map((r) => {
    const share = total ? ` (${Math.round((r.requestsServed / total) * 100)}%)` : '';
    const head = `${r.node.padEnd(16)} ${r.state.padEnd(12)} ${r.baseUrl ?? '-'}  pid ${r.pid ?? '-'}  slots ${r.slots ?? '-'}  served ${r.requestsServed}${share}`;
    const tail = r.message ? `\n  ${r.message}` : '';
    const log = (r.state === 'error' || r.state === 'exited') && r.logTail.length ? `\n  last log lines:\n${r.logTail.slice(-10).map((l) => `    ${l}`).join('\n')}` : '';
    return head + tail + log;
  }).join('\n');
}

export async function runReplicasCommand(argv: string[], out: Out): Promise<number> {
  return runServerCommand<Exclude<Parsed, { kind: 'help' }>>({
    name: 'replicas',
    help: REPLICAS_HELP,
    parse: parseReplicasArgs,
    forbiddenHint: (target) => `the operator of ${target.server} decides which llama-server flags pass`,
    run: async (cmd) => {
      const { target, json } = cmd.flags;
      const list = cmd.kind === 'start' ? await callApi(target, 'replicas.start', cmd.input)
        : cmd.kind === 'stop' ? await callApi(target, 'replicas.stop', cmd.nodes.length ? { nodes: cmd.nodes } : {})
          : await callApi(target, 'replicas.status', {});
      out(json ? JSON.stringify(list.map(replicaSummary), null, 2) : formatReplicas(list));
      return cmd.kind === 'start' && list.some((r) => r.state === 'error') ? 1 : 0;
    },
  }, argv, out);
}
