import type { Migration } from '../migration.ts';

export const migration: Migration = {
  version: 6,
  name: 'settings',
  up: `
    CREATE TABLE settings (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    );
  `,
};
