import type { Db } from '../store/database.ts';
import type { NodeAuth } from '../../../shared/nodes.ts';

/** A node as stored: its settings, never its runtime state. `secret` is SecretBox ciphertext or null. */
export interface NodeRecord {
  id: string;
  name: string;
  host: string;
  sshPort: number;
  user: string;
  authMethod: NodeAuth['method'];
  keyPath: string | null;
  secret: Buffer | null;
  rpcServerPath: string;
  rpcPort: number;
  devices: string;
  cache: boolean;
  bind: 'tunnel' | 'lan';
  acceptedHostKey: string | null;
  createdAt: number;
}

interface Row {
  id: string;
  name: string;
  host: string;
  ssh_port: number;
  user: string;
  auth_method: string;
  key_path: string | null;
  secret: Buffer | null;
  rpc_server_path: string;
  rpc_port: number;
  devices: string;
  cache: number;
  bind: string;
  accepted_host_key: string | null;
  created_at: number;
}

function fromRow(r: Row): NodeRecord {
  return {
    id: r.id,
    name: r.name,
    host: r.host,
    sshPort: r.ssh_port,
    user: r.user,
    authMethod: r.auth_method as NodeAuth['method'],
    keyPath: r.key_path,
    secret: r.secret,
    rpcServerPath: r.rpc_server_path,
    rpcPort: r.rpc_port,
    devices: r.devices,
    cache: r.cache !== 0,
    bind: r.bind === 'lan' ? 'lan' : 'tunnel',
    acceptedHostKey: r.accepted_host_key,
    createdAt: r.created_at,
  };
}

/** The `nodes` table (migration 0007). */
export class NodeRepository {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  list(): NodeRecord[] {
    return (this.db.prepare('SELECT * FROM nodes ORDER BY created_at, name').all() as Row[]).map(fromRow);
  }

  get(id: string): NodeRecord | null {
    const r = this.db.prepare('SELECT * FROM nodes WHERE id = ?').get(id) as Row | undefined;
    return r ? fromRow(r) : null;
  }

  byName(name: string): NodeRecord | null {
    const r = this.db.prepare('SELECT * FROM nodes WHERE name = ?').get(name) as Row | undefined;
    return r ? fromRow(r) : null;
  }

  insert(n: NodeRecord): void {
    this.db.prepare(`
      INSERT INTO nodes (id, name, host, ssh_port, user, auth_method, key_path, secret, rpc_server_path, rpc_port, devices, cache, bind, accepted_host_key, created_at)
      VALUES (@id, @name, @host, @sshPort, @user, @authMethod, @keyPath, @secret, @rpcServerPath, @rpcPort, @devices, @cache, @bind, @acceptedHostKey, @createdAt)
    `).run({ ...n, cache: n.cache ? 1 : 0 });
  }

  update(n: NodeRecord): void {
    this.db.prepare(`
      UPDATE nodes SET name = @name, host = @host, ssh_port = @sshPort, user = @user, auth_method = @authMethod, key_path = @keyPath,
        secret = @secret, rpc_server_path = @rpcServerPath, rpc_port = @rpcPort, devices = @devices, cache = @cache, bind = @bind,
        accepted_host_key = @acceptedHostKey
      WHERE id = @id
    `).run({ ...n, cache: n.cache ? 1 : 0 });
  }

  setAcceptedHostKey(id: string, fingerprint: string | null): void {
    this.db.prepare('UPDATE nodes SET accepted_host_key = ? WHERE id = ?').run(fingerprint, id);
  }

  remove(id: string): void {
    this.db.prepare('DELETE FROM nodes WHERE id = ?').run(id);
  }
}
