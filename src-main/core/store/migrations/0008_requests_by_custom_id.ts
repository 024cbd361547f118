import type { Migration } from '../migration.ts';

/** Compare joins two batches by custom_id. */
export const migration: Migration = {
  version: 8,
  name: 'requests_by_custom_id',
  up: 'CREATE INDEX requests_custom_id ON requests (batch_id, custom_id);',
};
