import path from 'node:path';
import { ApiError } from '../../../shared/contract/index.ts';
import type { NodeInfo } from '../../../shared/nodes.ts';
import type { ReplicaInfo, ReplicasStart } from '../../../shared/replicas.ts';
import type { FitPlan } from '../../../shared/plan.ts';
import type { OperatorChecks } from '../policy/operatorPolicy.ts';
import { hasTensorSplitFlag } from '../plan/llamaServerFlagValues.ts';
import type { ClusterDesiredState, ReplicaDesired } from './clusterDesiredState.ts';
import type { ClusterLog } from './contracts.ts';
import { ReplicaProcess, type ReplicaBackends, type ReplicaSession, type ReplicaSpec } from './replicaProcess.ts';

export interface ReplicaServiceDeps {
  nodes: () => NodeInfo[];
  session: (nodeId: string) => ReplicaSession;
  backends: ReplicaBackends;
  operator: Pick<OperatorChecks, 'llamaServerFlags'>;
  /** The fit plan for replicas of this model on these nodes (the model read on the nodes). */
  plan: (input: { model: string; nodes: string[]; extraArgs: string[] }) => Promise<FitPlan>;
  onChange: (info: ReplicaInfo) => void;
  /** Which replicas should run (stored, so an engine restart brings them back). */
  desired: ClusterDesiredState;
  log: ClusterLog;
  /** A replica was found gone: the reconciler looks at once instead of on its next pass. */
  onExit: () => void;
  readyTimeoutMs?: number;
  healthIntervalMs?: number;
}

/** Flags Batchdeck sets itself for a replica (the alias only when the operator gives none). */
const OWN_FLAGS = new Set(['-m', '--model', '--host', '--port', '--rpc']);

/** The whole llama-server command line of a replica: the node's loopback, a port the kernel picks, an alias. */
export function replicaSpec(d: Pick<ReplicaDesired, 'llamaServerPath' | 'model' | 'extraArgs'>): ReplicaSpec {
  const alias = path.posix.basename(d.model).replace(/\.gguf$/i, '');
  const named = d.extraArgs.some((a) => a === '-a' || a === '--alias' || a.startsWith('--alias='));
  return {
    llamaServerPath: d.llamaServerPath, model: d.model,
    args: ['-m', d.model, '--host', '127.0.0.1', '--port', '0', ...(named ? [] : ['--alias', alias]), ...d.extraArgs],
  };
}

/**
 * Data parallel: a whole llama-server on each chosen node, each its own backend for the model, so the
 * executor keeps every replica's slots full. One replica per node. Which replicas should run is stored; the
 * cluster reconciler adopts or restarts them (see replicaRecovery.ts).
 */
export class ReplicaService {
  private readonly d: ReplicaServiceDeps;
  private readonly replicas = new Map<string, ReplicaProcess>();

  constructor(deps: ReplicaServiceDeps) {
    this.d = deps;
    // Wanted by the previous engine: shown at once, adopted or restarted by the reconciler.
    for (const w of this.wanted()) {
      const n = this.d.nodes().find((x) => x.id === w.nodeId);
      if (n) this.replica(n).restore(replicaSpec(w));
    }
  }

  list(): ReplicaInfo[] {
    return [...this.replicas.values()].map((r) => r.info()).filter((i) => i.state !== 'stopped').sort((a, b) => a.node.localeCompare(b.node));
  }

  /** The replicas that should run (their start was confirmed once, and no stop since). */
  wanted(): ReplicaDesired[] {
    return this.d.desired.replicas().filter((r) => r.running);
  }

  /** The process of a wanted replica, for the reconciler; null when its node is gone. */
  process(nodeId: string): ReplicaProcess | null {
    const n = this.d.nodes().find((x) => x.id === nodeId);
    return n ? this.replica(n) : null;
  }

  private choose(wanted: readonly string[] | undefined): NodeInfo[] {
    const all = this.d.nodes();
    if (!wanted?.length) return all.filter((n) => n.acceptedHostKey !== null);
    return wanted.map((w) => {
      const n = all.find((x) => x.id === w || x.name === w);
      if (!n) throw new ApiError({ code: 'not_found', message: `No node ${w}. Known nodes: ${all.map((x) => x.name).join(', ') || 'none (nodes add)'}` });
      return n;
    });
  }

  async start(input: ReplicasStart): Promise<ReplicaInfo[]> {
    const nodes = this.choose(input.nodes);
    if (nodes.length === 0) throw new ApiError({ code: 'conflict', message: 'No node to start replicas on: add a node and accept its host key first' });
    const own = input.extraArgs.find((a) => OWN_FLAGS.has(a.split('=')[0]!));
    if (own) throw new ApiError({ code: 'invalid_input', message: `${own} is set by Batchdeck for each replica; leave it out of the extra flags`, issues: [{ path: 'extraArgs', message: `${own} is not allowed here` }] });
    if (hasTensorSplitFlag(input.extraArgs)) throw new ApiError({ code: 'invalid_input', message: 'a replica holds the whole model: --tensor-split does not apply', issues: [{ path: 'extraArgs', message: '--tensor-split is for the coordinator' }] });
    const extraArgs = this.d.operator.llamaServerFlags(input.extraArgs);
    const busy = nodes.filter((n) => this.replicas.get(n.id)?.active);
    if (busy.length) throw new ApiError({ code: 'conflict', message: `A replica already runs on ${busy.map((n) => n.name).join(', ')}; stop it first (replicas stop --node NAME)` });
    if (!input.override) {
      const plan = await this.d.plan({ model: input.model, nodes: nodes.map((n) => n.id), extraArgs });
      if (plan.fits === false) {
        throw new ApiError({ code: 'conflict', message: `Not starting replicas: ${plan.summary}. Choose nodes that fit, a shorter context or fewer slots (-c, -np), or start anyway with override (CLI: --force).` });
      }
    }
    const llamaServerPath = input.llamaServerPath ?? '';
    const spec = replicaSpec({ llamaServerPath, model: input.model, extraArgs });
    const results = await Promise.allSettled(nodes.map(async (n) => {
      // Stored before the start (so the backend it registers is remembered), wanted once it is ready: a start
      // that fails is not a wish to retry.
      this.d.desired.setReplica({ nodeId: n.id, llamaServerPath, model: input.model, extraArgs });
      try {
        await this.replica(n).start(spec);
      } catch (err) {
        this.d.desired.forgetReplica(n.id);
        throw err;
      }
      this.d.desired.setReplicaRunning(n.id);
    }));
    const failed = results.map((r, i) => (r.status === 'rejected' ? `${nodes[i]!.name}: ${(r.reason as Error).message}` : null)).filter((x): x is string => x !== null);
    const started = nodes.filter((_, i) => results[i]!.status === 'fulfilled').map((n) => n.name);
    if (started.length) this.d.log('info', `Replicas started by the operator on ${started.join(', ')} (${input.model})`);
    if (failed.length) this.d.log('error', `Replicas that did not start: ${failed.join('; ')}`);
    if (failed.length === nodes.length) throw new ApiError({ code: 'unavailable', message: `No replica started: ${failed.join('; ')}` });
    return this.list();
  }

  /** Clears the wish first (the reconciler must not bring them back), then stops what runs on the nodes. */
  async stop(wanted: readonly string[] | undefined): Promise<ReplicaInfo[]> {
    const ids = wanted?.length
      ? this.choose(wanted).map((n) => n.id)
      : [...new Set([...this.replicas.keys(), ...this.d.desired.replicas().map((r) => r.nodeId)])];
    for (const id of ids) this.d.desired.forgetReplica(id);
    const results = await Promise.allSettled(ids.map((id) => this.process(id)?.stop()));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => (r.reason as Error).message);
    const names = ids.map((id) => this.d.nodes().find((n) => n.id === id)?.name ?? id);
    if (names.length) this.d.log('info', `Replicas stopped by the operator on ${names.join(', ')}`);
    if (failed.length) throw new ApiError({ code: 'unavailable', message: `Some replicas did not stop: ${failed.join('; ')}` });
    return this.list();
  }

  /**
   * Before its node is removed: a replica there is stopped (and no longer wanted), or, when the node cannot be
   * reached, said out loud, since the node is forgotten anyway and its llama-server may still run.
   */
  async stopForRemoval(nodeId: string): Promise<void> {
    const wanted = this.d.desired.replicas().some((r) => r.nodeId === nodeId);
    if (!wanted && !this.replicas.has(nodeId)) return;
    const name = this.d.nodes().find((n) => n.id === nodeId)?.name ?? nodeId;
    this.d.desired.forgetReplica(nodeId);
    try {
      await this.process(nodeId)?.stop();
      this.d.log('info', `Replica on ${name} stopped: its node is being removed`);
    } catch (err) {
      this.d.log('warn', `Replica on ${name} could not be stopped before its node was removed (${(err as Error).message}); its llama-server may still run there`);
    }
    this.replicas.get(nodeId)?.close();
    this.replicas.delete(nodeId);
  }

  close(): void {
    for (const r of this.replicas.values()) r.close();
  }

  private replica(n: NodeInfo): ReplicaProcess {
    let r = this.replicas.get(n.id);
    if (!r) {
      r = new ReplicaProcess({
        nodeId: n.id,
        nodeName: () => this.d.nodes().find((x) => x.id === n.id)?.name ?? n.name,
        session: () => this.d.session(n.id),
        backends: this.d.backends,
        onChange: (info) => this.d.onChange(info),
        backendId: () => this.d.desired.replica(n.id)?.backendId ?? null,
        onRegistered: (id) => this.d.desired.setReplicaBackend(n.id, id),
        onExit: () => this.d.onExit(),
        ...(this.d.readyTimeoutMs !== undefined ? { readyTimeoutMs: this.d.readyTimeoutMs } : {}),
        ...(this.d.healthIntervalMs !== undefined ? { healthIntervalMs: this.d.healthIntervalMs } : {}),
      });
      this.replicas.set(n.id, r);
    }
    return r;
  }
}
