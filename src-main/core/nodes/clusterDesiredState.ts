import type { Db } from '../store/database.ts';

/** The coordinator as the operator asked for it: its settings, the nodes chosen at start, and whether it should run. */
export interface CoordinatorDesired {
  running: boolean;
  llamaServerPath: string;
  model: string;
  port: number | null;
  extraArgs: string[];
  /** The nodes chosen at start. Restarts use those of them that are healthy; the list itself never shrinks. */
  nodeIds: string[];
  /** The llama-server this engine (or the previous one) spawned, so a restarted engine can find it. */
  pid: number | null;
  httpPort: number | null;
}

/** A replica as the operator asked for it on one node (paths are on the node). */
export interface ReplicaDesired {
  nodeId: string;
  /** False while its start is not confirmed: only a replica that once ran is brought back. */
  running: boolean;
  llamaServerPath: string;
  model: string;
  /** The operator's llama-server flags (Batchdeck adds -m, --host, --port and the alias itself). */
  extraArgs: string[];
  /** The backend it is registered as: an adopted replica keeps it. */
  backendId: string | null;
}

interface ReplicaRow {
  node_id: string;
  running: number;
  llama_server_path: string;
  model: string;
  extra_args: string;
  backend_id: string | null;
}

interface Row {
  running: number;
  llama_server_path: string;
  model: string;
  port: number | null;
  extra_args: string;
  node_ids: string;
  pid: number | null;
  http_port: number | null;
}

function parseList(text: string): string[] {
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Desired state of the cluster: nodes.desired_running and the coordinator_desired row (migration 0009), the
 * replica_desired rows (migration 0010).
 */
export class ClusterDesiredState {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  nodeShouldRun(id: string): boolean {
    const r = this.db.prepare('SELECT desired_running FROM nodes WHERE id = ?').get(id) as { desired_running: number } | undefined;
    return r?.desired_running === 1;
  }

  setNodeShouldRun(id: string, run: boolean): void {
    this.db.prepare('UPDATE nodes SET desired_running = ? WHERE id = ?').run(run ? 1 : 0, id);
  }

  coordinator(): CoordinatorDesired | null {
    const r = this.db.prepare('SELECT * FROM coordinator_desired WHERE id = 1').get() as Row | undefined;
    if (!r) return null;
    return {
      running: r.running === 1,
      llamaServerPath: r.llama_server_path,
      model: r.model,
      port: r.port,
      extraArgs: parseList(r.extra_args),
      nodeIds: parseList(r.node_ids),
      pid: r.pid,
      httpPort: r.http_port,
    };
  }

  /** A new start: new settings and nodes, and the wish that it runs. */
  setCoordinator(d: Omit<CoordinatorDesired, 'pid' | 'httpPort'>): void {
    this.db.prepare(`
      INSERT INTO coordinator_desired (id, running, llama_server_path, model, port, extra_args, node_ids, pid, http_port, updated_at)
      VALUES (1, @running, @llamaServerPath, @model, @port, @extraArgs, @nodeIds, NULL, NULL, @at)
      ON CONFLICT(id) DO UPDATE SET running = excluded.running, llama_server_path = excluded.llama_server_path, model = excluded.model,
        port = excluded.port, extra_args = excluded.extra_args, node_ids = excluded.node_ids, updated_at = excluded.updated_at
    `).run({
      running: d.running ? 1 : 0, llamaServerPath: d.llamaServerPath, model: d.model, port: d.port,
      extraArgs: JSON.stringify(d.extraArgs), nodeIds: JSON.stringify(d.nodeIds), at: Date.now(),
    });
  }

  setCoordinatorRunning(running: boolean): void {
    this.db.prepare('UPDATE coordinator_desired SET running = ?, updated_at = ? WHERE id = 1').run(running ? 1 : 0, Date.now());
  }

  setCoordinatorProcess(pid: number | null, httpPort: number | null): void {
    this.db.prepare('UPDATE coordinator_desired SET pid = ?, http_port = ? WHERE id = 1').run(pid, httpPort);
  }

  /** A removed node leaves the coordinator's list (a restart does not look for it) and takes its replica wish along. */
  forgetNode(id: string): void {
    this.forgetReplica(id);
    const d = this.coordinator();
    if (!d || !d.nodeIds.includes(id)) return;
    this.db.prepare('UPDATE coordinator_desired SET node_ids = ? WHERE id = 1').run(JSON.stringify(d.nodeIds.filter((n) => n !== id)));
  }

  replicas(): ReplicaDesired[] {
    const rows = this.db.prepare('SELECT * FROM replica_desired ORDER BY node_id').all() as ReplicaRow[];
    return rows.map((r) => ({
      nodeId: r.node_id, running: r.running === 1, llamaServerPath: r.llama_server_path, model: r.model,
      extraArgs: parseList(r.extra_args), backendId: r.backend_id,
    }));
  }

  replica(nodeId: string): ReplicaDesired | null {
    return this.replicas().find((r) => r.nodeId === nodeId) ?? null;
  }

  /** A new start on the node: its settings, not yet confirmed (running false until it is ready). */
  setReplica(d: Omit<ReplicaDesired, 'running' | 'backendId'>): void {
    this.db.prepare(`
      INSERT INTO replica_desired (node_id, running, llama_server_path, model, extra_args, backend_id, updated_at)
      VALUES (@nodeId, 0, @llamaServerPath, @model, @extraArgs, NULL, @at)
      ON CONFLICT(node_id) DO UPDATE SET running = 0, llama_server_path = excluded.llama_server_path, model = excluded.model,
        extra_args = excluded.extra_args, updated_at = excluded.updated_at
    `).run({ nodeId: d.nodeId, llamaServerPath: d.llamaServerPath, model: d.model, extraArgs: JSON.stringify(d.extraArgs), at: Date.now() });
  }

  setReplicaRunning(nodeId: string): void {
    this.db.prepare('UPDATE replica_desired SET running = 1, updated_at = ? WHERE node_id = ?').run(Date.now(), nodeId);
  }

  setReplicaBackend(nodeId: string, backendId: string): void {
    this.db.prepare('UPDATE replica_desired SET backend_id = ? WHERE node_id = ?').run(backendId, nodeId);
  }

  /** `replicas stop`, a start that failed, a removed node: the wish is gone. */
  forgetReplica(nodeId: string): void {
    this.db.prepare('DELETE FROM replica_desired WHERE node_id = ?').run(nodeId);
  }
}
