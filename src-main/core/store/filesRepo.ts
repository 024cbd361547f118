import type { Db } from './database.ts';

export interface FileRow {
  id: string;
  filename: string;
  purpose: string;
  bytes: number;
  created_at: number;
  path: string | null;
  batch_id: string | null;
  kind: 'upload' | 'batch_output' | 'batch_error';
  deleted: number;
}

export class FilesRepo {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  insert(row: Omit<FileRow, 'deleted'>): void {
    this.db
      .prepare('INSERT INTO files (id, filename, purpose, bytes, created_at, path, batch_id, kind) VALUES (@id, @filename, @purpose, @bytes, @created_at, @path, @batch_id, @kind)')
      .run(row);
  }

  get(id: string): FileRow | undefined {
    return this.db.prepare('SELECT * FROM files WHERE id = ? AND deleted = 0').get(id) as FileRow | undefined;
  }

  /** Newest first, OpenAI's cursor pagination by `after` id. */
  list(opts: { purpose?: string; limit: number; after?: string; order: 'asc' | 'desc' }): FileRow[] {
    const dir = opts.order === 'asc' ? '>' : '<';
    const ord = opts.order === 'asc' ? 'ASC' : 'DESC';
    const params: unknown[] = [];
    let where = 'deleted = 0';
    if (opts.purpose) {
      where += ' AND purpose = ?';
      params.push(opts.purpose);
    }
    if (opts.after) {
      const anchor = this.db.prepare('SELECT created_at, id FROM files WHERE id = ?').get(opts.after) as { created_at: number; id: string } | undefined;
      if (anchor) {
        where += ` AND (created_at, id) ${dir} (?, ?)`;
        params.push(anchor.created_at, anchor.id);
      }
    }
    params.push(opts.limit);
    return this.db.prepare(`SELECT * FROM files WHERE ${where} ORDER BY created_at ${ord}, id ${ord} LIMIT ?`).all(...params) as FileRow[];
  }

  /** A reserved upload (inserted hidden while it arrived) is complete: listed from now on, with its size. */
  reveal(id: string, bytes: number, purpose: string): void {
    this.db.prepare('UPDATE files SET deleted = 0, bytes = ?, purpose = ?, created_at = ? WHERE id = ?').run(bytes, purpose, Date.now(), id);
  }

  markDeleted(id: string): boolean {
    return this.db.prepare('UPDATE files SET deleted = 1 WHERE id = ? AND deleted = 0').run(id).changes > 0;
  }
}
