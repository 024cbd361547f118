import type Database from 'better-sqlite3';
import type { Db } from './database.ts';
import { DEFAULT_SETTINGS, type Settings } from '../../../shared/engineState.ts';

export class SettingsRepo {
  private readonly db: Db;
  /** The executor reads settings on every request: keep them in memory, they change only through update(). */
  private cached: Settings | null = null;
  constructor(db: Db) {
    this.db = db;
  }

  get(): Settings {
    if (!this.cached) this.cached = this.load();
    return this.cached;
  }

  private load(): Settings {
    const rows = this.db.prepare('SELECT key, value FROM settings').all() as { key: string; value: string }[];
    const stored: Record<string, unknown> = {};
    for (const r of rows) {
      try {
        stored[r.key] = JSON.parse(r.value);
      } catch {
        // A value we cannot read falls back to its default rather than breaking start-up.
      }
    }
    const out: Settings = { ...DEFAULT_SETTINGS };
    for (const key of Object.keys(DEFAULT_SETTINGS) as (keyof Settings)[]) {
      if (typeof stored[key] === typeof DEFAULT_SETTINGS[key]) (out as unknown as Record<string, unknown>)[key] = stored[key];
    }
    return out;
  }

  update(patch: Partial<Settings>): Settings {
    const put = this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    this.db.transaction(() => {
      for (const [k, v] of Object.entries(patch)) if (v !== undefined && k in DEFAULT_SETTINGS) put.run(k, JSON.stringify(v));
    })();
    this.cached = null;
    return this.get();
  }

  getRaw(key: string): string | null {
    const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value ?? null;
  }

  putRaw(key: string, value: string): void {
    this.putRawStmt ??= this.db.prepare<[string, string]>('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    this.putRawStmt.run(key, value);
  }

  private putRawStmt: Database.Statement<[string, string]> | null = null;
}
