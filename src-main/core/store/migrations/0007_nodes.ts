import type { Migration } from '../migration.ts';

/** Remote GPU nodes. No secret is stored in clear: `secret` holds safeStorage ciphertext (desktop) or nothing. */
export const migration: Migration = {
  version: 7,
  name: 'nodes',
  up: `
    CREATE TABLE nodes (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      host TEXT NOT NULL,
      ssh_port INTEGER NOT NULL,
      user TEXT NOT NULL,
      auth_method TEXT NOT NULL,
      key_path TEXT,
      secret BLOB,
      rpc_server_path TEXT NOT NULL DEFAULT '',
      rpc_port INTEGER NOT NULL,
      devices TEXT NOT NULL DEFAULT '',
      cache INTEGER NOT NULL DEFAULT 0,
      bind TEXT NOT NULL DEFAULT 'tunnel',
      accepted_host_key TEXT,
      created_at INTEGER NOT NULL
    );
  `,
};
