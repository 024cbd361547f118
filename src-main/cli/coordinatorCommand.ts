import type { RequestInput } from '../../shared/contract/index.ts';
import type { CoordinatorInfo } from '../../shared/nodes.ts';
import { callApi } from './apiClient.ts';
import { parseCommandFlags, splitAtDashDash } from './commandArgs.ts';
import { runServerCommand } from './serverCommand.ts';
import {
  DEFAULT_SERVER, UsageError, commonFlags, commonOptions, type CommonFlags, type Out,
} from './nodesCommand.ts';

/**
 * `batchdeck coordinator start|status|stop|restart`: the llama-server coordinator over the running nodes,
 * from a script. argv is what follows `coordinator`; everything after `--` goes to llama-server as is.
 */

export type CoordinatorCommand =
  | { kind: 'help' }
  | { kind: 'start'; flags: CommonFlags; input: RequestInput<'coordinator.start'>; nodeNames: string[]; wait: boolean }
  | { kind: 'status' | 'stop' | 'restart'; flags: CommonFlags };

export const COORDINATOR_HELP = `Usage: batchdeck coordinator <command> [--server URL] [--token T] [--json]

Commands:
  start --model PATH [--llama-server PATH] [--port P] [--node NAME]... [--wait] [--force] [-- extra llama-server flags]
          the server's operator allows the llama-server (serve --llama-server), the models (--models-dir)
          and which extra flags pass (tuning ones: -c, -np, -t, -b, -ub, -ngl, -ts, -fa, ...)
          run llama-server on this workstation over the running nodes (or the --node ones):
          llama-server --rpc <endpoints> -m PATH -ngl 99 --host 127.0.0.1 --port P [extra flags]
          --wait: return once it is ready (or failed) instead of while it loads
          --force: start even when the fit plan (batchdeck plan) says the model does not fit
          the proposed --tensor-split (by free memory) is added unless you pass one
  status  state, base URL, model, endpoints, pid
  stop    stop llama-server
  restart start it again on the nodes still healthy, with the last settings

--server defaults to ${DEFAULT_SERVER}; --token (or BATCHDECK_TOKEN) for a server that needs one.`;

export function parseCoordinatorArgs(argv: string[]): CoordinatorCommand {
  const [sub, ...rest] = argv;
  if (!sub || sub === 'help' || sub === '--help' || sub === '-h') return { kind: 'help' };
  const { own, passThrough: extraArgs } = splitAtDashDash(rest);
  const parsed = parseCommandFlags(own, {
    ...commonOptions,
    model: { type: 'string' },
    'llama-server': { type: 'string' },
    port: { type: 'string' },
    node: { type: 'string', multiple: true },
    wait: { type: 'boolean', default: false },
    force: { type: 'boolean', default: false },
  });
  const v = parsed.values;
  if (v.help) return { kind: 'help' };
  const flags = commonFlags(v);
  if (sub === 'start') {
    if (!v.model) throw new UsageError('coordinator start needs --model PATH (an absolute path to a GGUF file)');
    const input: RequestInput<'coordinator.start'> = { model: v.model, extraArgs };
    if (v['llama-server'] !== undefined) input.llamaServerPath = v['llama-server'];
    if (v.port !== undefined) {
      if (!/^\d+$/.test(v.port)) throw new UsageError(`--port must be a whole number, not ${JSON.stringify(v.port)}`);
      input.port = Number(v.port);
    }
    if (v.force) input.override = true;
    return { kind: 'start', flags, input, nodeNames: v.node ?? [], wait: v.wait ?? false };
  }
  if (sub === 'status' || sub === 'stop' || sub === 'restart') {
    const extra = ['model', 'llama-server', 'port', 'node'].filter((k) => (v as Record<string, unknown>)[k] !== undefined);
    if (extra.length || extraArgs.length) throw new UsageError(`coordinator ${sub} takes no --${extra.join(', --') || ' extra flags'}`);
    return { kind: sub, flags };
  }
  throw new UsageError(`unknown coordinator command ${JSON.stringify(sub)}`);
}

/** What `coordinator status --json` prints. */
export function coordinatorSummary(c: CoordinatorInfo): Pick<CoordinatorInfo, 'state' | 'baseUrl' | 'model' | 'endpoints' | 'pid'> {
  return { state: c.state, baseUrl: c.baseUrl, model: c.model, endpoints: c.endpoints, pid: c.pid };
}

export function formatCoordinator(c: CoordinatorInfo): string {
  const lines = [
    `coordinator: ${c.state}${c.pid ? ` (pid ${c.pid})` : ''}${c.exitCode != null && c.state !== 'ready' ? `, exit status ${c.exitCode}` : ''}`,
  ];
  if (c.baseUrl) lines.push(`  base URL  ${c.baseUrl}`);
  if (c.model) lines.push(`  model     ${c.model}`);
  if (c.endpoints.length) lines.push(`  endpoints ${c.endpoints.join(', ')}`);
  if (c.message) lines.push(`  ${c.message}`);
  if (c.recovery) lines.push(`  automatic recovery: ${c.recovery}`);
  if ((c.state === 'exited' || c.state === 'error') && c.logTail.length) {
    lines.push('  last log lines:', ...c.logTail.slice(-10).map((l) => `    ${l}`));
  }
  return lines.join('\n');
}

function print(out: Out, json: boolean, c: CoordinatorInfo): void {
  out(json ? JSON.stringify(coordinatorSummary(c), null, 2) : formatCoordinator(c));
}

const SETTLED = new Set<CoordinatorInfo['state']>(['ready', 'exited', 'error', 'stopped']);

/** Runs `batchdeck coordinator ...`; returns the exit status (0 ok, 1 failed, 2 usage). */
export async function runCoordinatorCommand(argv: string[], out: Out, options: { pollMs?: number; waitTimeoutMs?: number } = {}): Promise<number> {
  return runServerCommand<Exclude<CoordinatorCommand, { kind: 'help' }>>({
    name: 'coordinator',
    help: COORDINATOR_HELP,
    parse: parseCoordinatorArgs,
    forbiddenHint: (target) => `the machine that runs batchdeck serve at ${target.server} decides what it may run and load; this client can only choose among what it allows: see operator.allowList`,
    run: async (cmd) => {
      const { target, json } = cmd.flags;
      let info: CoordinatorInfo;
      switch (cmd.kind) {
        case 'status':
          info = await callApi(target, 'coordinator.status', {});
          print(out, json, info);
          return 0;
        case 'stop':
          info = await callApi(target, 'coordinator.stop', {});
          print(out, json, info);
          return info.state === 'stopped' ? 0 : 1;
        case 'restart':
        case 'start': {
          if (cmd.kind === 'start') {
            const input = { ...cmd.input };
            if (cmd.nodeNames.length) {
              const nodes = await callApi(target, 'nodes.list', {});
              const unknown = cmd.nodeNames.filter((name) => !nodes.some((n) => n.name === name || n.id === name));
              if (unknown.length) throw new UsageError(`no node named ${unknown.join(', ')} (nodes: ${nodes.map((n) => n.name).join(', ') || 'none'})`);
              input.nodeIds = cmd.nodeNames.map((name) => nodes.find((n) => n.name === name || n.id === name)!.id);
            }
            info = await callApi(target, 'coordinator.start', input);
            if (cmd.wait) info = await waitSettled(target, info, options);
          } else {
            info = await callApi(target, 'coordinator.restart', {});
          }
          print(out, json, info);
          return info.state === 'error' || info.state === 'exited' ? 1 : 0;
        }
      }
    },
  }, argv, out);
}

async function waitSettled(target: CommonFlags['target'], first: CoordinatorInfo, options: { pollMs?: number; waitTimeoutMs?: number }): Promise<CoordinatorInfo> {
  const deadline = Date.now() + (options.waitTimeoutMs ?? 60 * 60_000);
  let info = first;
  while (!SETTLED.has(info.state) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, options.pollMs ?? 500));
    info = await callApi(target, 'coordinator.status', {});
  }
  return info;
}
