import type { Migration } from '../migration.ts';

/** When a batch expired (OpenAI's expired_at); earlier builds kept it in failed_at, so those rows move over. */
export const migration: Migration = {
  version: 10,
  name: 'batches_expired_at',
  up: `ALTER TABLE batches ADD COLUMN expired_at INTEGER;
UPDATE batches SET expired_at = failed_at, failed_at = NULL WHERE status = 'expired';`,
};
