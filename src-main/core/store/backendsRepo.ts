import type { Db } from './database.ts';
import type { BackendKind } from '../../../shared/backend.ts';

export interface BackendRow {
  id: string;
  name: string;
  kind: BackendKind;
  base_url: string;
  api_key: string | null;
  max_concurrency: number;
  enabled: number;
  simulated: number;
  created_at: number;
}

export class BackendsRepo {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  all(): BackendRow[] {
    return this.db.prepare('SELECT * FROM backends ORDER BY created_at, id').all() as BackendRow[];
  }

  get(id: string): BackendRow | undefined {
    return this.db.prepare('SELECT * FROM backends WHERE id = ?').get(id) as BackendRow | undefined;
  }

  byUrl(baseUrl: string): BackendRow | undefined {
    return this.db.prepare('SELECT * FROM backends WHERE base_url = ?').get(baseUrl) as BackendRow | undefined;
  }

  insert(row: BackendRow): void {
    this.db
      .prepare('INSERT INTO backends (id, name, kind, base_url, api_key, max_concurrency, enabled, simulated, created_at) VALUES (@id, @name, @kind, @base_url, @api_key, @max_concurrency, @enabled, @simulated, @created_at)')
      .run(row);
  }

  update(row: BackendRow): void {
    this.db
      .prepare('UPDATE backends SET name=@name, kind=@kind, base_url=@base_url, api_key=@api_key, max_concurrency=@max_concurrency, enabled=@enabled, simulated=@simulated WHERE id=@id')
      .run(row);
  }

  remove(id: string): boolean {
    return this.db.prepare('DELETE FROM backends WHERE id = ?').run(id).changes > 0;
  }
}
