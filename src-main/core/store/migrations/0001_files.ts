import type { Migration } from '../migration.ts';

/** Uploaded files (input JSONL). Their bytes live on disk in the data dir; output files are generated. */
export const migration: Migration = {
  version: 1,
  name: 'files',
  up: `
    CREATE TABLE files (
      id TEXT PRIMARY KEY,
      filename TEXT NOT NULL,
      purpose TEXT NOT NULL,
      bytes INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      path TEXT,
      batch_id TEXT,
      kind TEXT NOT NULL DEFAULT 'upload' CHECK (kind IN ('upload', 'batch_output', 'batch_error')),
      deleted INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX files_created ON files (created_at);
  `,
};
