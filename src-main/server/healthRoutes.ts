import type { FastifyInstance } from 'fastify';
import type { Engine } from '../core/engine.ts';

/** `/health` for monitors and `/v1/models` as the union of the live backends' models. */
export function registerHealthRoutes(app: FastifyInstance, engine: Engine): void {
  app.get('/health', async () => {
    const executor = engine.monitor.status();
    const gpus = engine.gpuStatuses();
    return {
      status: executor.state === 'stalled' ? 'degraded' : 'ok',
      executor: { ...executor, heartbeatAgeMs: Date.now() - executor.heartbeatAt },
      queue: engine.monitor.queue(),
      backends: engine.registry.list().map((b) => ({ id: b.id, name: b.name, baseUrl: b.baseUrl, health: b.health, models: b.models, inFlight: b.inFlight, maxConcurrency: b.maxConcurrency })),
      gpuHosts: gpus.map((g) => ({ host: g.host, state: g.poller.state, message: 'message' in g.poller ? g.poller.message : null, driverVersion: g.snapshot?.driverVersion ?? null, cudaVersion: g.snapshot?.cudaVersion ?? null })),
      gpus: gpus.flatMap((g) => (g.snapshot?.gpus ?? []).map((x) => ({
        host: g.host,
        index: x.index,
        name: x.name,
        uuid: x.uuid,
        memoryUsedMiB: x.memoryUsedMiB,
        memoryTotalMiB: x.memoryTotalMiB,
        utilizationGpuPercent: x.utilizationGpuPercent,
        temperatureC: x.temperatureC,
        powerDrawW: x.powerDrawW,
        powerLimitW: x.powerLimitW,
      }))),
      alerts: engine.alerts.list(),
    };
  });

  app.get('/v1/models', async () => {
    const seen = new Map<string, string>();
    for (const b of engine.registry.list()) if (b.health === 'up') for (const m of b.models) if (!seen.has(m)) seen.set(m, b.name);
    return { object: 'list', data: [...seen].map(([id, owner]) => ({ id, object: 'model', created: 0, owned_by: owner })) };
  });
}
