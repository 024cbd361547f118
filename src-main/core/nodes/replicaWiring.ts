import path from 'node:path';
import type { Handlers } from '../events/router.ts';
import type { BackendRegistry } from '../backends/backendRegistry.ts';
import { normalizeBaseUrl } from '../backends/baseUrl.ts';
import type { AlertSink } from '../events/alertSink.ts';
import type { ChangeFeed } from '../events/changeFeed.ts';
import type { OperatorChecks } from '../policy/operatorPolicy.ts';
import { computePlan, type PlanSources } from '../plan/planService.ts';
import type { Db } from '../store/database.ts';
import { ClusterDesiredState } from './clusterDesiredState.ts';
import type { NodeService } from './nodeService.ts';
import { ReplicaRecovery } from './replicaRecovery.ts';
import type { ReplicaBackends } from './replicaProcess.ts';
import { ReplicaService } from './replicaService.ts';

/** Names every replica backend starts with: how one left by an engine that died is recognized. */
const REPLICA_NAME_PREFIX = 'replica on ';

/** Replicas as backends of the engine's registry: kind llama-server (slots from /props), one per node. */
export function registryReplicaBackends(registry: BackendRegistry): ReplicaBackends {
  const byUrl = (baseUrl: string) => {
    const url = normalizeBaseUrl(baseUrl);
    return registry.all().filter((b) => b.row.base_url === url);
  };
  return {
    async register({ baseUrl, model, name, id }) {
      const url = normalizeBaseUrl(baseUrl);
      const fullName = `${name} (${path.posix.basename(model)})`;
      for (const b of byUrl(url)) if (b.row.id !== id) registry.remove(b.row.id);
      // The backend it was before an engine restart: pointed at the new tunnel, so it stays one backend.
      if (id && registry.get(id)) return (await registry.update(id, { baseUrl: url, name: fullName, enabled: true })).id;
      // kind llama-server: the registry sizes its concurrency from /props total_slots.
      return (await registry.add({ name: fullName, kind: 'llama-server', baseUrl: url })).id;
    },
    unregister(baseUrl) {
      for (const b of byUrl(baseUrl)) registry.remove(b.row.id);
    },
    requestsServed(baseUrl) {
      return byUrl(baseUrl).reduce((n, b) => n + b.requestsServed, 0);
    },
  };
}

/**
 * The replica service over the node service's SSH sessions, its wishes stored with the cluster's desired
 * state and reconciled with it. The backends of replicas still wanted are kept, disabled until their replica
 * is adopted (their tunnel ended with the old engine; its local port may be anyone's now); those of replicas
 * no longer wanted are removed.
 */
export function createReplicaService(o: {
  db: Db; service: NodeService; registry: BackendRegistry; feed: ChangeFeed; operator: OperatorChecks; planSources: PlanSources;
  alerts: AlertSink; autoRecovery: () => boolean;
}): ReplicaService {
  const desired = new ClusterDesiredState(o.db);
  const kept = new Set(desired.replicas().filter((r) => r.running).map((r) => r.backendId).filter((id): id is string => id !== null));
  for (const b of o.registry.all()) {
    if (b.row.kind !== 'llama-server' || !b.row.name.startsWith(REPLICA_NAME_PREFIX)) continue;
    if (!kept.has(b.row.id)) o.registry.remove(b.row.id);
    else if (b.row.enabled) void o.registry.update(b.row.id, { enabled: false }).catch(() => undefined);
  }
  const replicas = new ReplicaService({
    nodes: () => o.service.list(),
    session: (id) => o.service.session(id),
    backends: registryReplicaBackends(o.registry),
    operator: o.operator,
    plan: ({ model, nodes, extraArgs }) => computePlan({ model, mode: 'replicas', nodes, extraArgs }, o.planSources),
    onChange: (info) => o.feed.emit('replica.updated', info),
    desired,
    log: o.service.log,
    onExit: () => o.service.reconcileNow(),
  });
  const recovery = new ReplicaRecovery({
    replicas, alerts: o.alerts, log: o.service.log, autoRecovery: o.autoRecovery,
    reachable: (id) => o.service.reachable(id),
    nodeName: (id) => o.service.list().find((n) => n.id === id)?.name ?? id,
  });
  o.service.reconcileAlso((now) => recovery.reconcile(now));
  return replicas;
}

export function replicaHandlers(replicas: ReplicaService | null, off: () => never): Pick<Handlers, 'replicas.start' | 'replicas.status' | 'replicas.stop'> {
  return {
    'replicas.start': (input) => (replicas ? replicas.start(input) : off()),
    'replicas.status': () => replicas?.list() ?? [],
    'replicas.stop': (input) => (replicas ? replicas.stop(input.nodes) : off()),
  };
}
