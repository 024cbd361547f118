import type { Migration } from '../migration.ts';

export const migration: Migration = {
  version: 4,
  name: 'backends',
  up: `
    CREATE TABLE backends (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      kind TEXT NOT NULL,
      base_url TEXT NOT NULL,
      api_key TEXT,
      max_concurrency INTEGER NOT NULL,
      enabled INTEGER NOT NULL DEFAULT 1,
      simulated INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX backends_url ON backends (base_url);
  `,
};
