import type { NodeUpdate } from '../../../shared/nodes.ts';
import type { NodeRecord } from './nodeRepository.ts';

export interface NodeEdit {
  next: NodeRecord;
  /** How the node is reached changed (host, port, user, auth, accepted key): a fresh session is needed. */
  connectionChanged: boolean;
  /** How rpc-server is started or reached changed (port, bind, path, devices, cache). */
  rpcChanged: boolean;
}

/**
 * A node's settings after an edit: the fields given replace the stored ones (omitted fields stay), and a
 * changed host forgets the accepted host key unless a new one comes with it. `seal` encrypts a new secret.
 */
export function applyNodeEdit(cur: NodeRecord, input: NodeUpdate, seal: (name: string, auth: NonNullable<NodeUpdate['auth']>) => Buffer | null): NodeEdit {
  const next: NodeRecord = { ...cur };
  if (input.name !== undefined) next.name = input.name;
  if (input.host !== undefined) next.host = input.host;
  if (input.sshPort !== undefined) next.sshPort = input.sshPort;
  if (input.user !== undefined) next.user = input.user;
  if (input.auth !== undefined) {
    next.authMethod = input.auth.method;
    next.keyPath = input.auth.method === 'key' ? input.auth.keyPath : null;
    next.secret = seal(next.name, input.auth);
  }
  if (input.rpcServerPath !== undefined) next.rpcServerPath = input.rpcServerPath;
  if (input.rpcPort !== undefined) next.rpcPort = input.rpcPort;
  if (input.devices !== undefined) next.devices = input.devices;
  if (input.cache !== undefined) next.cache = input.cache;
  if (input.bind !== undefined) next.bind = input.bind;
  // null means "not given" here: forgetting a key is done by changing the host, not by an edit.
  if (input.acceptedHostKey) next.acceptedHostKey = input.acceptedHostKey;
  const hostChanged = next.host !== cur.host || next.sshPort !== cur.sshPort;
  if (hostChanged && !input.acceptedHostKey) next.acceptedHostKey = null;
  const connectionChanged = hostChanged || next.user !== cur.user || next.authMethod !== cur.authMethod
    || next.keyPath !== cur.keyPath || input.auth !== undefined || next.acceptedHostKey !== cur.acceptedHostKey;
  const rpcChanged = next.rpcPort !== cur.rpcPort || next.bind !== cur.bind || next.rpcServerPath !== cur.rpcServerPath
    || next.devices !== cur.devices || next.cache !== cur.cache;
  return { next, connectionChanged, rpcChanged };
}
