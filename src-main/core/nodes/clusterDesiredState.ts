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

/** Desired state of the cluster (migration 0009): nodes.desired_running and the coordinator_desired row. */
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

  /** A removed node leaves the coordinator's list, so a restart does not look for it. */
  forgetNode(id: string): void {
    const d = this.coordinator();
    if (!d || !d.nodeIds.includes(id)) return;
    this.db.prepare('UPDATE coordinator_desired SET node_ids = ? WHERE id = 1').run(JSON.stringify(d.nodeIds.filter((n) => n !== id)));
  }
}
