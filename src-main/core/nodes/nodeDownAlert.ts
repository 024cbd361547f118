/**
 * The one alert of a node whose rpc-server went down (key `node:<id>:down`): what happened, in the node's
 * name, and what comes next. The reconciler rewrites the same alert when recovery is off or gives up, so one
 * crash is one alert on the Dashboard, never a second one repeating the first.
 */

/** Whether Batchdeck brings this rpc-server back by itself: on, off (the Settings switch), or not wanted (the operator never started it). */
export type NodeRecovery = 'on' | 'off' | 'not-wanted';

export function startItHint(name: string): string {
  return `start it from the Nodes view or \`batchdeck nodes start ${name}\``;
}

export function recoveryOffAdvice(name: string): string {
  return `Automatic recovery is off: ${startItHint(name)}, or turn on automatic recovery in Settings.`;
}

export function rpcServerStoppedAlert(name: string, cause: string, recovery: NodeRecovery): string {
  const next = recovery === 'off'
    ? recoveryOffAdvice(name)
    : recovery === 'on'
      ? 'Automatic recovery starts it again.'
      : `To run it again, ${startItHint(name)}.`;
  return `rpc-server on ${name} stopped unexpectedly: ${cause}. ${next}`;
}

/** A node message without its "node1 (user@host:22): " prefix, for a sentence that already names the node. */
export function withoutWhere(message: string, where: string): string {
  return message.startsWith(`${where}: `) ? message.slice(where.length + 2) : message;
}
