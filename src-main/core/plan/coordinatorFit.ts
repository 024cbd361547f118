import { ApiError } from '../../../shared/contract/index.ts';
import type { NodeProbe } from '../../../shared/nodes.ts';
import type { FitPlan } from '../../../shared/plan.ts';
import { planFit } from './fitPlan.ts';
import { hasTensorSplitFlag } from './llamaServerFlagValues.ts';
import { readLocalModelHeader } from './modelHeaderSource.ts';
import { modelFacts } from './modelShape.ts';

export interface CoordinatorFitInput {
  /** The model's real path on this workstation (already allowed by the operator's list). */
  model: string;
  extraArgs: readonly string[];
  /** The chosen nodes in --rpc order, with the probe just taken before the launch. */
  nodes: { id: string; name: string; probe: NodeProbe | null }[];
  /** The operator's start refuses a model that does not fit; automatic recovery only adjusts the split. */
  refuse: boolean;
}

/**
 * The fit plan at the moment the coordinator launches: refuses a start that cannot fit (with the numbers),
 * and adds the proposed `--tensor-split` unless the operator set one. The split is recomputed at every
 * launch, so a restart over fewer nodes gets a split for those nodes.
 *
 * The devices are the rpc-servers' in --rpc order, which is llama-server's device order when the workstation
 * itself offers no GPU to llama.cpp (the usual coordinator); with a local GPU llama.cpp lists it first.
 */
export async function fitCoordinatorLaunch(input: CoordinatorFitInput): Promise<{ extraArgs: string[]; plan: FitPlan | null }> {
  let plan: FitPlan;
  try {
    const facts = modelFacts(await readLocalModelHeader(input.model), input.model);
    plan = planFit({
      mode: 'coordinator', model: input.model, facts, extraArgs: input.extraArgs,
      nodes: input.nodes.map((n) => {
        const free = n.probe?.devices.map((d) => d.freeBytes) ?? [];
        return { id: n.id, name: n.name, deviceFree: free.length ? free : null, source: free.length ? 'rpc' : null };
      }),
    });
  } catch {
    // A header this reader cannot take (a newer GGUF) is llama-server's to judge: it says what is wrong.
    return { extraArgs: [...input.extraArgs], plan: null };
  }
  if (plan.fits === false && input.refuse) {
    throw new ApiError({
      code: 'conflict',
      message: `Not starting llama-server: the model does not fit: ${plan.summary}. Free memory on the nodes, use fewer slots or a shorter context (-np, -c), or start anyway with override (CLI: --force).`,
    });
  }
  const extraArgs = [...input.extraArgs];
  if (plan.tensorSplit && plan.tensorSplitFrom === 'proposed' && plan.tensorSplit.length > 1 && !hasTensorSplitFlag(extraArgs)) {
    extraArgs.push('--tensor-split', plan.tensorSplit.join(','));
  }
  return { extraArgs, plan };
}
