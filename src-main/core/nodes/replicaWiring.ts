import path from 'node:path';
import type { Handlers } from '../events/router.ts';
import type { BackendRegistry } from '../backends/backendRegistry.ts';
import { normalizeBaseUrl } from '../backends/baseUrl.ts';
import type { ChangeFeed } from '../events/changeFeed.ts';
import type { OperatorChecks } from '../policy/operatorPolicy.ts';
import { computePlan, type PlanSources } from '../plan/planService.ts';
import type { NodeService } from './nodeService.ts';
import type { ReplicaBackends } from './replicaProcess.ts';
import { ReplicaService } from './replicaService.ts';

/** Names every replica backend starts with: how one left by an engine that died is recognized and removed. */
const REPLICA_NAME_PREFIX = 'replica on ';

/** Replicas as backends of the engine's registry: kind llama-server (slots from /props), one per node. */
export function registryReplicaBackends(registry: BackendRegistry): ReplicaBackends {
  const byUrl = (baseUrl: string) => {
    const url = normalizeBaseUrl(baseUrl);
    return registry.all().filter((b) => b.row.base_url === url);
  };
  return {
    async register({ baseUrl, model, name }) {
      for (const b of byUrl(baseUrl)) registry.remove(b.row.id);
      // kind llama-server: the registry sizes its concurrency from /props total_slots.
      await registry.add({ name: `${name} (${path.posix.basename(model)})`, kind: 'llama-server', baseUrl: normalizeBaseUrl(baseUrl) });
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
 * The replica service over the node service's SSH sessions. No replica runs for an engine that just started
 * (their tunnels died with the old one), so replica backends left in the store are removed first.
 */
export function createReplicaService(o: {
  service: NodeService; registry: BackendRegistry; feed: ChangeFeed; operator: OperatorChecks; planSources: PlanSources;
}): ReplicaService {
  for (const b of o.registry.all()) if (b.row.kind === 'llama-server' && b.row.name.startsWith(REPLICA_NAME_PREFIX)) o.registry.remove(b.row.id);
  return new ReplicaService({
    nodes: () => o.service.list(),
    session: (id) => o.service.session(id),
    backends: registryReplicaBackends(o.registry),
    operator: o.operator,
    plan: ({ model, nodes, extraArgs }) => computePlan({ model, mode: 'replicas', nodes, extraArgs }, o.planSources),
    onChange: (info) => o.feed.emit('replica.updated', info),
  });
}

export function replicaHandlers(replicas: ReplicaService | null, off: () => never): Pick<Handlers, 'replicas.start' | 'replicas.status' | 'replicas.stop'> {
  return {
    'replicas.start': (input) => (replicas ? replicas.start(input) : off()),
    'replicas.status': () => replicas?.list() ?? [],
    'replicas.stop': (input) => (replicas ? replicas.stop(input.nodes) : off()),
  };
}
