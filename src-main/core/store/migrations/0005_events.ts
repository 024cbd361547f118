import type { Migration } from '../migration.ts';

/** The per-batch event log. */
export const migration: Migration = {
  version: 5,
  name: 'events',
  up: `
    CREATE TABLE events (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      batch_id TEXT NOT NULL,
      at INTEGER NOT NULL,
      level TEXT NOT NULL,
      message TEXT NOT NULL
    );
    CREATE INDEX events_batch ON events (batch_id, id);
  `,
};
