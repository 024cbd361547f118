import type { NodeLog } from '../../../shared/nodes.ts';
import { connect, type LifecycleContext } from './nodeLifecycle.ts';
import type { NodeRuntime } from './nodeRuntime.ts';
import { readLogTail, stateFiles } from './rpcServerControl.ts';

/**
 * The last lines of rpc-server's log file on the node, read now over the node's SSH session: what the
 * window shows as "the log" (the tail kept with the node's state is only the few lines of its last change).
 */
export async function readNodeLog(ctx: LifecycleContext, rt: NodeRuntime, lines: number): Promise<NodeLog> {
  const session = await connect(ctx, rt);
  return {
    path: stateFiles(rt.record.rpcPort).display.log,
    lines: await readLogTail(session, rt.record.rpcPort, lines),
    at: Date.now(),
  };
}
