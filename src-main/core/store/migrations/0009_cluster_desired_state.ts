import type { Migration } from '../migration.ts';

/**
 * What the operator wants running on the cluster, so that it survives an engine restart and can be
 * reconciled: which nodes should run rpc-server, and the coordinator's settings with the wish "it should
 * be running". `node_ids` are the nodes chosen at start (a restart never shrinks them); `pid` and
 * `http_port` name the llama-server the last engine started, so the next one can find (and end) it.
 */
export const migration: Migration = {
  version: 9,
  name: 'cluster_desired_state',
  up: `
    ALTER TABLE nodes ADD COLUMN desired_running INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE coordinator_desired (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      running INTEGER NOT NULL,
      llama_server_path TEXT NOT NULL,
      model TEXT NOT NULL,
      port INTEGER,
      extra_args TEXT NOT NULL,
      node_ids TEXT NOT NULL,
      pid INTEGER,
      http_port INTEGER,
      updated_at INTEGER NOT NULL
    );
  `,
};
