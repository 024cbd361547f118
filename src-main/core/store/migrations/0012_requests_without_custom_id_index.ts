import type { Migration } from '../migration.ts';

/**
 * The (batch_id, custom_id) index of every batch was 40% of the insert time of a million-row file, and only
 * Compare reads by custom_id: it now builds a partial index for a compared batch when first asked
 * (customIdIndexes.ts).
 */
export const migration: Migration = {
  version: 12,
  name: 'requests_without_custom_id_index',
  up: 'DROP INDEX IF EXISTS requests_custom_id;',
};
