import type { RequestInput } from '../../shared/contract/index.ts';
import type { FitPlan } from '../../shared/plan.ts';
import { callApi } from './apiClient.ts';
import { parseCommandFlags, splitAtDashDash } from './commandArgs.ts';
import { runServerCommand } from './serverCommand.ts';
import { UsageError, commonFlags, commonOptions, type Out } from './nodesCommand.ts';

/**
 * `batchdeck plan`: whether a model fits the nodes before anything loads, from its GGUF header and the nodes'
 * free memory as the running Batchdeck last saw it. Exit status 0 when it fits (or cannot be told), 1 when it
 * does not, 2 on a usage error.
 */

export const PLAN_HELP = `Usage: batchdeck plan --model PATH [--ctx N] [--parallel N] [--node NAME]... [--replicas] [--json] [--server URL] [--token T] [-- llama-server flags]

  --model PATH   the GGUF: on this workstation for the coordinator (default), on each node with --replicas
  --ctx N        llama-server's -c, the context of all slots together (default: the model's training context)
  --parallel N   llama-server's -np, parallel slots (default 4, as llama-server)
  --node NAME    plan for these nodes (default: the running nodes; every node with --replicas)
  --replicas     a whole llama-server on each node instead of one split across the nodes' rpc-servers
  -- flags       the llama-server flags you will start with: -c, -np, -ub, -ctk/-ctv, --tensor-split count
  --json         {modelBytes, kvBytes, computeBytes, nodes:[{name, freeBytes, needBytes, fits}], tensorSplit, fits, summary}

Prints e.g. "fits on node1, node2; needs 14.2 GiB, node3 has 9.1 free". Exit status 1 when it does not fit.`;

export function parsePlanArgs(argv: string[]): { kind: 'help' } | { kind: 'plan'; flags: ReturnType<typeof commonFlags>; input: RequestInput<'plan.compute'> } {
  const { own, passThrough: extraArgs } = splitAtDashDash(argv);
  const parsed = parseCommandFlags(own, {
    ...commonOptions,
    model: { type: 'string' },
    ctx: { type: 'string' },
    parallel: { type: 'string' },
    node: { type: 'string', multiple: true },
    replicas: { type: 'boolean', default: false },
  });
  const v = parsed.values;
  if (v.help) return { kind: 'help' };
  if (!v.model) throw new UsageError('plan needs --model PATH (an absolute path to a GGUF file)');
  const whole = (name: string, s: string | undefined): number | undefined => {
    if (s === undefined) return undefined;
    if (!/^\d+$/.test(s) || Number(s) < 1) throw new UsageError(`--${name} must be a whole number above 0, not ${JSON.stringify(s)}`);
    return Number(s);
  };
  const input: RequestInput<'plan.compute'> = { model: v.model, mode: v.replicas ? 'replicas' : 'coordinator', extraArgs };
  const ctx = whole('ctx', v.ctx);
  const parallel = whole('parallel', v.parallel);
  if (ctx !== undefined) input.ctx = ctx;
  if (parallel !== undefined) input.parallel = parallel;
  if (v.node?.length) input.nodes = v.node;
  return { kind: 'plan', flags: commonFlags(v), input };
}

const gib = (b: number | null) => (b === null ? '?' : `${(b / 1024 ** 3).toFixed(1)} GiB`);

export function formatPlan(p: FitPlan): string {
  const lines = [
    p.summary,
    `  model     ${p.model} (${p.shape.architecture}, ${p.shape.layers} layers, ${p.shape.headsKv}/${p.shape.heads} KV heads)`,
    `  weights   ${gib(p.modelBytes)}; KV cache ${gib(p.kvBytes)} (-c ${p.ctx}, -np ${p.parallel}); compute allowance ${gib(p.computeBytes)} per device`,
  ];
  if (p.tensorSplit) lines.push(`  split     --tensor-split ${p.tensorSplit.join(',')}${p.tensorSplitFrom === 'operator' ? ' (yours)' : ' (proposed)'}`);
  for (const n of p.nodes) {
    const verdict = n.fits === null ? 'unknown' : n.fits ? 'fits' : 'does not fit';
    lines.push(`  ${n.name.padEnd(16)} ${verdict.padEnd(13)} needs ${gib(n.needBytes)}, free ${gib(n.freeBytes)}${n.source ? ` (${n.source})` : ''}${n.note ? `: ${n.note}` : ''}`);
  }
  return lines.join('\n');
}

export async function runPlanCommand(argv: string[], out: Out): Promise<number> {
  return runServerCommand<Exclude<ReturnType<typeof parsePlanArgs>, { kind: 'help' }>>({
    name: 'plan',
    help: PLAN_HELP,
    parse: parsePlanArgs,
    forbiddenHint: (target) => `the coordinator's model must be one the operator of ${target.server} allows: serve --models-dir`,
    run: async (cmd) => {
      const plan = await callApi(cmd.flags.target, 'plan.compute', cmd.input);
      out(cmd.flags.json ? JSON.stringify(plan, null, 2) : formatPlan(plan));
      return plan.fits === false ? 1 : 0;
    },
  }, argv, out);
}
