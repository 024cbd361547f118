import path from 'node:path';
import type { CoordinatorInfo, NodeInfo } from '../../shared/nodes.ts';
import type { GpuHistory, GpuHostStatus } from '../../shared/gpu.ts';
import { ApiError } from '../../shared/contract/index.ts';
import type { BackendRegistry } from './backends/backendRegistry.ts';
import { normalizeBaseUrl } from './backends/baseUrl.ts';
import type { EngineConfig } from './engineConfig.ts';
import type { AlertCenter } from './events/alertCenter.ts';
import type { ChangeFeed } from './events/changeFeed.ts';
import type { Handlers } from './events/router.ts';
import { GpuMonitor } from './gpu/gpuMonitor.ts';
import type { ClusterLog } from './nodes/contracts.ts';
import { NodeService, type NodeHandlers } from './nodes/nodeService.ts';
import type { OperatorChecks } from './policy/operatorPolicy.ts';
import { computePlan, type PlanSources } from './plan/planService.ts';
import { createReplicaService, replicaHandlers } from './nodes/replicaWiring.ts';
import type { ReplicaService } from './nodes/replicaService.ts';
import type { Db } from './store/database.ts';

const STOPPED_COORDINATOR: CoordinatorInfo = { state: 'stopped', baseUrl: null, model: null, endpoints: [], pid: null, port: null, message: null, logTail: [], exitCode: null, recovery: null };

/**
 * Remote GPU nodes as the engine wires them: the node service, the coordinator registered as a backend when
 * ready, and one GPU monitor per node that polls nvidia-smi over the node's SSH session.
 */
export class NodeFeature {
  private readonly o: {
    db: Db; feed: ChangeFeed; alerts: AlertCenter; registry: BackendRegistry; config: EngineConfig; operator: OperatorChecks; gpuIntervalMs: () => number;
    /** The Settings switch for automatic recovery of the cluster. */
    autoRecovery: () => boolean;
    /** A cluster event for the operator: the engine's event log and the running batches' logs. */
    log: ClusterLog;
  };
  private readonly service: NodeService | null;
  private readonly replicas: ReplicaService | null = null;
  /** node id -> its GPU monitor, keyed also by the name it reports under (a rename makes a new one). */
  private readonly gpus = new Map<string, GpuMonitor>();
  private unsubscribe: (() => void) | null = null;

  constructor(o: NodeFeature['o']) {
    this.o = o;
    if (o.config.nodes?.enabled === false) {
      this.service = null;
      return;
    }
    this.service = new NodeService({
      db: o.db,
      feed: o.feed,
      alerts: o.alerts,
      secrets: o.config.secrets ?? null,
      operator: o.operator,
      autoRecovery: o.autoRecovery,
      log: o.log,
      registrar: {
        // One coordinator backend at a time (kind 'coordinator' is its identity): a new llama-server replaces
        // whatever an earlier one, or an engine killed before it could clean up, left in the list.
        registerCoordinator: async ({ baseUrl, model }) => {
          const url = normalizeBaseUrl(baseUrl);
          for (const b of this.coordinatorBackends()) if (b.row.base_url !== url) o.registry.remove(b.row.id);
          if (o.registry.all().some((b) => b.row.base_url === url)) return;
          await o.registry.add({ name: `llama-server coordinator (${path.basename(model)})`, kind: 'coordinator', baseUrl: url });
        },
        unregisterCoordinator: (baseUrl) => {
          const url = normalizeBaseUrl(baseUrl);
          for (const b of o.registry.all()) if (b.row.base_url === url) o.registry.remove(b.row.id);
        },
      },
    });
    this.replicas = createReplicaService({
      db: o.db, service: this.service, registry: o.registry, feed: o.feed, operator: o.operator, planSources: this.planSources(this.service),
      alerts: o.alerts, autoRecovery: o.autoRecovery,
    });
    // A coordinator backend stored by an engine that died, with no coordinator wanted any more, is only noise.
    if (!this.service.coordinatorWanted()) for (const b of this.coordinatorBackends()) o.registry.remove(b.row.id);
  }

  private coordinatorBackends(): ReturnType<BackendRegistry['all']> {
    return this.o.registry.all().filter((b) => b.row.kind === 'coordinator');
  }

  /** Why a batch waits, when it is the coordinator's doing (named, with what recovery does), else null. */
  waitingReason(): string | null {
    return this.service?.waitingReason() ?? null;
  }

  start(): void {
    if (!this.service) return;
    this.service.startReconciling();
    for (const n of this.service.list()) this.syncGpuMonitor(n);
    this.unsubscribe = this.o.feed.subscribe((name, payload) => {
      if (name === 'node.updated') this.syncGpuMonitor(payload as NodeInfo);
      else if (name === 'node.removed') this.dropGpuMonitor((payload as { id: string }).id);
    });
  }

  /** GPUs are polled on nodes the operator has accepted; a renamed node reports under its new name. */
  private syncGpuMonitor(n: NodeInfo): void {
    if (!this.service || this.o.config.gpu?.enabled === false) return;
    const existing = this.gpus.get(n.id);
    if (!n.acceptedHostKey) {
      this.dropGpuMonitor(n.id);
      return;
    }
    if (existing && existing.host === n.name) return;
    this.dropGpuMonitor(n.id);
    const monitor = new GpuMonitor({
      host: n.name,
      runner: this.service.commandRunner(n.id),
      alerts: this.o.alerts,
      intervalMs: this.o.gpuIntervalMs(),
      onStatus: (s) => this.o.feed.emit('gpu.updated', s),
    });
    this.gpus.set(n.id, monitor);
    monitor.start();
  }

  private dropGpuMonitor(id: string): void {
    const m = this.gpus.get(id);
    if (!m) return;
    m.stop();
    this.gpus.delete(id);
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    for (const m of this.gpus.values()) m.stop();
    this.gpus.clear();
    this.replicas?.close();
    await this.service?.close();
  }

  setGpuIntervalMs(ms: number): void {
    for (const m of this.gpus.values()) m.setIntervalMs(ms);
  }

  gpuStatuses(): GpuHostStatus[] {
    return [...this.gpus.values()].map((m) => m.status());
  }

  gpuHistory(): GpuHistory[] {
    return [...this.gpus.values()].flatMap((m) => m.history());
  }

  snapshot(): { nodes: NodeInfo[]; coordinator: CoordinatorInfo } {
    return this.service ? this.service.snapshot() : { nodes: [], coordinator: STOPPED_COORDINATOR };
  }

  /** The fit plan: the nodes' last RPC probes and nvidia-smi polls, model headers read locally or over SSH. */
  planHandlers(): Pick<Handlers, 'plan.compute' | 'replicas.start' | 'replicas.status' | 'replicas.stop'> {
    const off = (): never => {
      throw new ApiError({ code: 'unavailable', message: 'Remote nodes are turned off in this engine (started with nodes disabled)' });
    };
    return {
      'plan.compute': (input) => (this.service ? computePlan(input, this.planSources(this.service)) : off()),
      ...replicaHandlers(this.replicas, off),
    };
  }

  private planSources(service: NodeService): PlanSources {
    return {
      nodes: () => service.list(),
      gpuStatus: (id) => this.gpus.get(id)?.status() ?? null,
      runner: (id) => service.commandRunner(id),
      localModel: (p) => this.o.operator.model(p),
    };
  }

  handlers(): NodeHandlers {
    if (this.service) {
      const own = this.service.handlers();
      const replicas = this.replicas;
      // A node's replica goes before the node does: nothing would watch or stop it afterwards.
      return { ...own, 'nodes.remove': async (input) => {
        await replicas?.stopForRemoval(input.id);
        return own['nodes.remove'](input);
      } };
    }
    const off = (): never => {
      throw new ApiError({ code: 'unavailable', message: 'Remote nodes are turned off in this engine (started with nodes disabled)' });
    };
    const handlers: NodeHandlers = {
      'nodes.list': () => [],
      'nodes.add': off, 'nodes.update': off, 'nodes.remove': off, 'nodes.acceptHostKey': off, 'nodes.start': off, 'nodes.stop': off,
      'nodes.startAll': () => [], 'nodes.stopAll': () => [], 'nodes.probe': off, 'nodes.log': off,
      'coordinator.status': () => STOPPED_COORDINATOR, 'coordinator.start': off, 'coordinator.stop': () => STOPPED_COORDINATOR, 'coordinator.restart': off,
    };
    return handlers satisfies Pick<Handlers, keyof NodeHandlers>;
  }
}
