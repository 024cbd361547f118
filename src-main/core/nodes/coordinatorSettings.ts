import type { CoordinatorSettings } from '../../../shared/nodes.ts';
import type { CoordinatorDesired } from './clusterDesiredState.ts';

/** The stored settings of the last coordinator start, as the window's form offers them (no pid, no nodes). */
export function coordinatorSettings(d: CoordinatorDesired | null): CoordinatorSettings | null {
  if (!d || !d.model) return null;
  return { model: d.model, llamaServerPath: d.llamaServerPath, port: d.port, extraArgs: [...d.extraArgs] };
}
