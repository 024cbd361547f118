import type { Migration } from '../migration.ts';

/**
 * One row per input line. The request body stays in the input file (offset, length) so a 1 GB batch is
 * not stored twice; the response body is stored here because it is the result.
 * state: 0 pending, 1 succeeded, 2 failed, 3 cancelled.
 */
export const migration: Migration = {
  version: 3,
  name: 'requests',
  up: `
    CREATE TABLE requests (
      batch_id TEXT NOT NULL,
      idx INTEGER NOT NULL,
      custom_id TEXT NOT NULL,
      offset INTEGER NOT NULL,
      length INTEGER NOT NULL,
      state INTEGER NOT NULL DEFAULT 0,
      attempts INTEGER NOT NULL DEFAULT 0,
      status_code INTEGER,
      request_id TEXT,
      response TEXT,
      error_code TEXT,
      error_message TEXT,
      prompt_tokens INTEGER,
      completion_tokens INTEGER,
      latency_ms INTEGER,
      finished_at INTEGER,
      PRIMARY KEY (batch_id, idx)
    ) WITHOUT ROWID;
    CREATE INDEX requests_state ON requests (batch_id, state, idx);
  `,
};
