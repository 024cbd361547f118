import type { Migration } from '../migration.ts';

/**
 * Which replicas should run, so that an engine restart brings them back: one row per node, with what the
 * operator chose (llama-server path and model on the node, their llama-server flags). `running` is 0 while a
 * start is not yet confirmed (a refused start is not a wish to retry). `backend_id` is the backend the replica
 * is registered as, so an adopted replica comes back under the same backend, not as a second one.
 */
export const migration: Migration = {
  version: 11,
  name: 'replica_desired_state',
  up: `
    CREATE TABLE replica_desired (
      node_id TEXT PRIMARY KEY REFERENCES nodes (id) ON DELETE CASCADE,
      running INTEGER NOT NULL,
      llama_server_path TEXT NOT NULL,
      model TEXT NOT NULL,
      extra_args TEXT NOT NULL,
      backend_id TEXT,
      updated_at INTEGER NOT NULL
    );
  `,
};
