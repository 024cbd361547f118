import { ACTIVE_STATUSES, FAILED_STATUSES, type BatchStatus, type BatchSummary } from '../../shared/batch.ts';
import type { BackendInfo } from '../../shared/backend.ts';
import type { Alert } from '../../shared/engineState.ts';
import type { NodeInfo } from '../../shared/nodes.ts';
import type { AppState } from './appStore.ts';

/**
 * Derived lists are recomputed only when the record they come from changes (not on every heartbeat), and
 * return the same array when the content is the same, so list views do not re-render for nothing.
 */
function memoOn<I, O>(compute: (input: I) => O, equal: (a: O, b: O) => boolean = Object.is): (input: I) => O {
  let lastInput: I | undefined;
  let lastOutput: O | undefined;
  let has = false;
  return (input) => {
    if (has && input === lastInput) return lastOutput as O;
    const output = compute(input);
    lastInput = input;
    if (!(has && equal(lastOutput as O, output))) lastOutput = output;
    has = true;
    return lastOutput as O;
  };
}

const sameItems = <T>(a: readonly T[], b: readonly T[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export type BatchTab = 'active' | 'completed' | 'failed';

export function batchTabOf(status: BatchStatus): BatchTab {
  if (ACTIVE_STATUSES.includes(status)) return 'active';
  if (FAILED_STATUSES.includes(status)) return 'failed';
  return 'completed';
}

const newestFirst = (a: BatchSummary, b: BatchSummary) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1);

/** Among active batches, the ones moving come first, then paused, then those still waiting. */
const ACTIVE_RANK: Partial<Record<BatchStatus, number>> = { in_progress: 0, finalizing: 0, cancelling: 0, paused: 1 };
const activeOrder = (a: BatchSummary, b: BatchSummary) => (ACTIVE_RANK[a.status] ?? 2) - (ACTIVE_RANK[b.status] ?? 2) || newestFirst(a, b);

function idsByTab(tab: BatchTab) {
  const order = tab === 'active' ? activeOrder : newestFirst;
  return memoOn(
    (batches: Record<string, BatchSummary>) =>
      Object.values(batches).filter((b) => batchTabOf(b.status) === tab).sort(order).map((b) => b.id),
    sameItems,
  );
}

const byTab: Record<BatchTab, (batches: Record<string, BatchSummary>) => string[]> = {
  active: idsByTab('active'),
  completed: idsByTab('completed'),
  failed: idsByTab('failed'),
};

export const selectBatchIds = (tab: BatchTab) => (s: AppState) => byTab[tab](s.batches);

const allBatchIds = memoOn(
  (batches: Record<string, BatchSummary>) => Object.values(batches).sort(newestFirst).map((b) => b.id),
  sameItems,
);
export const selectAllBatchIds = (s: AppState) => allBatchIds(s.batches);

const tabCounts = memoOn(
  (batches: Record<string, BatchSummary>) => {
    const counts: Record<BatchTab, number> = { active: 0, completed: 0, failed: 0 };
    for (const b of Object.values(batches)) counts[batchTabOf(b.status)] += 1;
    return counts;
  },
  (a, b) => a.active === b.active && a.completed === b.completed && a.failed === b.failed,
);
export const selectBatchTabCounts = (s: AppState) => tabCounts(s.batches);

const backendsSorted = memoOn((backends: Record<string, BackendInfo>) =>
  Object.values(backends).sort((a, b) => a.name.localeCompare(b.name)),
);
export const selectBackends = (s: AppState) => backendsSorted(s.backends);

export interface ModelOption { model: string; healthy: boolean; backends: string[] }

/** The models the live backends serve (from their /v1/models), healthy ones first. */
const modelOptions = memoOn(
  (backends: Record<string, BackendInfo>) => {
    const byModel = new Map<string, ModelOption>();
    for (const b of Object.values(backends)) {
      if (!b.enabled) continue;
      for (const model of b.models) {
        const entry = byModel.get(model) ?? { model, healthy: false, backends: [] };
        entry.healthy ||= b.health === 'up';
        entry.backends.push(b.name);
        byModel.set(model, entry);
      }
    }
    return [...byModel.values()].sort((a, b) => Number(b.healthy) - Number(a.healthy) || a.model.localeCompare(b.model));
  },
  (a, b) => a.length === b.length && a.every((x, i) => x.model === b[i]!.model && x.healthy === b[i]!.healthy && x.backends.join() === b[i]!.backends.join()),
);
export const selectModelOptions = (s: AppState) => modelOptions(s.backends);

const alertsSorted = memoOn((alerts: Record<string, Alert>) => {
  const rank = { critical: 0, warning: 1, info: 2 } as const;
  return Object.values(alerts).sort((a, b) => rank[a.severity] - rank[b.severity] || b.raisedAt - a.raisedAt);
});
export const selectAlerts = (s: AppState) => alertsSorted(s.alerts);

const nodeIds = memoOn(
  (nodes: Record<string, NodeInfo>) => Object.values(nodes).sort((a, b) => a.name.localeCompare(b.name)).map((n) => n.id),
  sameItems,
);
export const selectNodeIds = (s: AppState) => nodeIds(s.nodes);

const gpuHosts = memoOn(
  (gpus: AppState['gpus']) => Object.keys(gpus).sort((a, b) => (a === 'local' ? -1 : b === 'local' ? 1 : a.localeCompare(b))),
  sameItems,
);
const nodeNames = memoOn((nodes: Record<string, NodeInfo>) => Object.values(nodes).map((n) => n.name).sort(), sameItems);
/** A removed node's last GPU status stays in the store (no event names its host): only known hosts are shown. */
const knownGpuHosts = memoOn(
  ({ hosts, names }: { hosts: string[]; names: string[] }) => hosts.filter((h) => h === 'local' || names.includes(h)),
  sameItems,
);
export const selectGpuHosts = (s: AppState) => knownGpuHosts({ hosts: gpuHosts(s.gpus), names: nodeNames(s.nodes) });
