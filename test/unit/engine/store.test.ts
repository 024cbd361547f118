import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src-main/core/store/database.ts';
import { migrations } from '../../../src-main/core/store/migrations/index.ts';
import { SettingsRepo } from '../../../src-main/core/store/settingsRepo.ts';
import { DEFAULT_SETTINGS } from '../../../shared/engineState.ts';

const tmpDb = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bd-store-')), 'db.sqlite');

describe('store', () => {
  it('opens a real SQLite file in WAL mode with every migration applied once', () => {
    const file = tmpDb();
    const db = openDatabase(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
    expect(versions).toEqual(migrations.map((m) => m.version));
    db.close();
    const again = openDatabase(file);
    expect(again.prepare('SELECT COUNT(*) FROM schema_migrations').pluck().get()).toBe(migrations.length);
    for (const t of ['files', 'batches', 'requests', 'backends', 'events', 'settings', 'nodes']) {
      expect(again.prepare("SELECT name FROM sqlite_master WHERE type='table' AND name=?").pluck().get(t)).toBe(t);
    }
    again.close();
  });

  it('numbers migrations in order with no gaps or repeats', () => {
    const v = migrations.map((m) => m.version);
    expect([...v].sort((a, b) => a - b)).toEqual(v);
    expect(new Set(v).size).toBe(v.length);
  });

  it('keeps settings across restarts and falls back to defaults for unreadable values', () => {
    const file = tmpDb();
    const db = openDatabase(file);
    new SettingsRepo(db).update({ maxAttempts: 7 });
    db.prepare("INSERT INTO settings (key, value) VALUES ('requestTimeoutMs', 'not json')").run();
    db.close();
    const s = new SettingsRepo(openDatabase(file)).get();
    expect(s.maxAttempts).toBe(7);
    expect(s.requestTimeoutMs).toBe(DEFAULT_SETTINGS.requestTimeoutMs);
  });
});
