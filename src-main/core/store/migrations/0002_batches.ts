import type { Migration } from '../migration.ts';

export const migration: Migration = {
  version: 2,
  name: 'batches',
  up: `
    CREATE TABLE batches (
      id TEXT PRIMARY KEY,
      seq INTEGER NOT NULL UNIQUE,
      name TEXT NOT NULL,
      input_file_id TEXT NOT NULL,
      endpoint TEXT NOT NULL,
      completion_window TEXT NOT NULL DEFAULT '24h',
      model TEXT,
      status TEXT NOT NULL,
      priority INTEGER NOT NULL DEFAULT 0,
      metadata TEXT,
      errors TEXT,
      output_file_id TEXT,
      error_file_id TEXT,
      total INTEGER NOT NULL DEFAULT 0,
      completed INTEGER NOT NULL DEFAULT 0,
      failed INTEGER NOT NULL DEFAULT 0,
      prompt_tokens INTEGER NOT NULL DEFAULT 0,
      completion_tokens INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL,
      in_progress_at INTEGER,
      finalizing_at INTEGER,
      completed_at INTEGER,
      failed_at INTEGER,
      cancelling_at INTEGER,
      cancelled_at INTEGER,
      expires_at INTEGER
    );
    CREATE INDEX batches_status ON batches (status);
  `,
};
