import type { BackendInfo } from '../../../shared/backend.ts';
import { ApiError } from '../../../shared/contract/index.ts';
import { startSimulator } from '../../simulator/simulator.ts';
import type { BackendRegistry } from './backendRegistry.ts';

type Running = Awaited<ReturnType<typeof startSimulator>>;

/**
 * The built-in simulated backend a new user can start with one click, so the whole flow can be tried with no
 * GPU. It runs inside the engine and is registered (and labelled) as simulated.
 */
export class SimulatorBackend {
  private running: Running | null = null;
  private backendId: string | null = null;
  private readonly registry: BackendRegistry;
  constructor(registry: BackendRegistry) {
    this.registry = registry;
  }

  owns(id: string): boolean {
    return id === this.backendId;
  }

  async start(): Promise<BackendInfo> {
    if (this.running && this.backendId) {
      const b = this.registry.get(this.backendId);
      if (b) return this.registry.info(b);
    }
    // A simulated backend left in the store by an earlier run points at a port that is gone: replace it.
    for (const b of this.registry.all()) if (b.row.simulated) this.registry.remove(b.row.id);
    this.running = await startSimulator({ port: 0, latencyMs: 200, slots: 16, tokensPerSecond: 400 });
    try {
      const info = await this.registry.add({ name: 'Built-in simulator (not a real model)', kind: 'simulator', baseUrl: this.running.url, maxConcurrency: 16, simulated: true });
      this.backendId = info.id;
      return info;
    } catch (err) {
      await this.running.close();
      this.running = null;
      throw new ApiError({ code: 'internal', message: `Could not start the built-in simulator: ${(err as Error).message}` });
    }
  }

  async stop(): Promise<{ id: string }> {
    const id = this.backendId ?? '';
    if (this.backendId && this.registry.get(this.backendId)) this.registry.remove(this.backendId);
    this.backendId = null;
    if (this.running) await this.running.close();
    this.running = null;
    return { id };
  }
}
