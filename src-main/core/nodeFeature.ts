import type { CoordinatorInfo, NodeInfo } from '../../shared/nodes.ts';
import type { GpuHistory, GpuHostStatus } from '../../shared/gpu.ts';
import { ApiError } from '../../shared/contract/index.ts';
import type { BackendRegistry } from './backends/backendRegistry.ts';
import type { EngineConfig } from './engineConfig.ts';
import type { AlertCenter } from './events/alertCenter.ts';
import type { ChangeFeed } from './events/changeFeed.ts';
import type { Handlers } from './events/router.ts';
import type { Db } from './store/database.ts';

type NodeHandlerNames = Extract<keyof Handlers, `nodes.${string}` | `coordinator.${string}`>;

const STOPPED_COORDINATOR: CoordinatorInfo = { state: 'stopped', baseUrl: null, model: null, endpoints: [], pid: null, port: null, message: null, logTail: [], exitCode: null };

/** Remote GPU nodes and the coordinator, as the engine wires them. */
export class NodeFeature {
  private readonly o: { db: Db; feed: ChangeFeed; alerts: AlertCenter; registry: BackendRegistry; config: EngineConfig; gpuIntervalMs: () => number };
  constructor(o: NodeFeature['o']) {
    this.o = o;
  }

  start(): void {}

  async close(): Promise<void> {}

  setGpuIntervalMs(_ms: number): void {}

  gpuStatuses(): GpuHostStatus[] {
    return [];
  }

  gpuHistory(): GpuHistory[] {
    return [];
  }

  snapshot(): { nodes: NodeInfo[]; coordinator: CoordinatorInfo } {
    return { nodes: [], coordinator: STOPPED_COORDINATOR };
  }

  handlers(): Pick<Handlers, NodeHandlerNames> {
    const off = () => {
      throw new ApiError({ code: 'unavailable', message: 'Remote nodes are not available in this build yet' });
    };
    return {
      'nodes.list': () => [],
      'nodes.add': off, 'nodes.update': off, 'nodes.remove': off, 'nodes.acceptHostKey': off, 'nodes.start': off, 'nodes.stop': off,
      'nodes.startAll': () => [], 'nodes.stopAll': () => [], 'nodes.probe': off,
      'coordinator.status': () => STOPPED_COORDINATOR, 'coordinator.start': off, 'coordinator.stop': () => STOPPED_COORDINATOR, 'coordinator.restart': off,
    };
  }
}
