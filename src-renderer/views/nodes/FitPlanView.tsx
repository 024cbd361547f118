import { useEffect, useState } from 'react';
import type { FitPlan, PlanMode } from '../../../shared/plan.ts';
import { useApi } from '../../api/ApiContext.tsx';
import { toError } from '../../api/toError.ts';
import { splitArgs } from './splitArgs.ts';

const GIB = 1024 ** 3;
const gib = (b: number | null) => (b === null ? '?' : `${(b / GIB).toFixed(1)} GiB`);
const ABSOLUTE_GGUF = /^(?:~\/|\/)[A-Za-z0-9._+/-]*\.gguf$/i;

/**
 * Whether the model fits, shown while the operator fills in the form (before the start click): the engine
 * reads the GGUF header (on the workstation, or on the nodes for replicas) and compares it with the nodes'
 * free memory. Recomputed a moment after the model or the flags change.
 */
export function FitPlanView({ mode, model, extraFlags, nodes }: { mode: PlanMode; model: string; extraFlags: string; nodes?: string[] }) {
  const api = useApi();
  const [plan, setPlan] = useState<FitPlan | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const nodesKey = (nodes ?? []).join(',');

  useEffect(() => {
    const path = model.trim();
    setPlan(null);
    setError(null);
    if (!ABSOLUTE_GGUF.test(path)) return;
    let current = true;
    const timer = setTimeout(() => {
      setPending(true);
      api.invoke('plan.compute', { model: path, mode, extraArgs: splitArgs(extraFlags), ...(nodesKey ? { nodes: nodesKey.split(',') } : {}) })
        .then((p) => { if (current) setPlan(p); })
        .catch((err: unknown) => { if (current) setError(toError(err).message); })
        .finally(() => { if (current) setPending(false); });
    }, 400);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [api, mode, model, extraFlags, nodesKey]);

  if (!ABSOLUTE_GGUF.test(model.trim())) return null;
  return (
    <section className="fit-plan" aria-label="Fit plan" aria-busy={pending}>
      {pending && !plan && <p className="small muted">Reading the model's header…</p>}
      {error && <p className="small text-bad" role="status">Fit plan: {error}</p>}
      {plan && (
        <>
          <p className={`small ${plan.fits === false ? 'text-bad' : plan.fits ? 'text-ok' : 'muted'}`} role="status" data-fits={String(plan.fits)}>
            {plan.summary}
          </p>
          <p className="small muted">
            weights {gib(plan.modelBytes)} · KV cache {gib(plan.kvBytes)} (-c {plan.ctx}, -np {plan.parallel}) · compute allowance {gib(plan.computeBytes)} per device
            {plan.tensorSplit && ` · --tensor-split ${plan.tensorSplit.join(',')}${plan.tensorSplitFrom === 'operator' ? ' (yours)' : ' (proposed, used at start)'}`}
          </p>
          {plan.nodes.length > 0 && (
            <table className="table" aria-label="Memory per node">
              <thead><tr><th>Node</th><th className="num">Needs</th><th className="num">Free</th><th>Source</th><th>Fits</th></tr></thead>
              <tbody>
                {plan.nodes.map((n) => (
                  <tr key={n.id ?? n.name}>
                    <td>{n.name}</td>
                    <td className="num">{gib(n.needBytes)}</td>
                    <td className="num">{gib(n.freeBytes)}</td>
                    <td className="small muted">{n.source ?? '—'}</td>
                    <td className={n.fits === false ? 'text-bad' : undefined} title={n.note ?? undefined}>{n.fits === null ? 'unknown' : n.fits ? 'yes' : 'no'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
