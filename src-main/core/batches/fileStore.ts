import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { FileRow, FilesRepo } from '../store/filesRepo.ts';
import { newId } from '../store/ids.ts';

/** Uploaded files live on disk in the data dir; their rows in SQLite say what they are. */
export class FileStore {
  private readonly dir: string;
  private readonly repo: FilesRepo;

  constructor(dataDir: string, repo: FilesRepo) {
    this.dir = path.join(dataDir, 'files');
    fs.mkdirSync(this.dir, { recursive: true });
    this.repo = repo;
  }

  /** Streams an upload to disk first and records it only when complete, so a broken upload leaves nothing behind. */
  async saveStream(filename: string, purpose: string, source: Readable): Promise<FileRow> {
    const id = newId('file');
    const file = path.join(this.dir, `${id}.jsonl`);
    try {
      await pipeline(source, fs.createWriteStream(file));
    } catch (err) {
      fs.rmSync(file, { force: true });
      throw err;
    }
    return this.record(id, filename, purpose, file);
  }

  /**
   * Where an upload validated while it arrives is written: its id and path are known before its first byte.
   * The row exists from the start, hidden (deleted = 1) until `reveal`, so that a crash mid-upload leaves a
   * row saying which rows and bytes to clean up (PreparedUploads.recover).
   */
  reserve(filename: string, purpose: string, batchId: string): FileRow & { path: string } {
    const id = newId('file');
    const file = path.join(this.dir, `${id}.jsonl`);
    const row = { id, filename: path.basename(filename).slice(0, 255), purpose, bytes: 0, created_at: Date.now(), path: file, batch_id: batchId, kind: 'upload' as const };
    this.repo.insert(row);
    this.repo.markDeleted(id);
    return { ...row, deleted: 1 };
  }

  /** A reserved upload that arrived whole: it becomes a listed file with its final size. */
  reveal(row: FileRow & { path: string }, purpose: string): FileRow {
    const bytes = fs.statSync(row.path).size;
    this.repo.reveal(row.id, bytes, purpose);
    return { ...row, bytes, purpose, deleted: 0 };
  }

  saveText(filename: string, purpose: string, content: string): FileRow {
    const id = newId('file');
    const file = path.join(this.dir, `${id}.jsonl`);
    fs.writeFileSync(file, content);
    return this.record(id, filename, purpose, file);
  }

  private record(id: string, filename: string, purpose: string, file: string): FileRow {
    const row = { id, filename: path.basename(filename).slice(0, 255), purpose, bytes: fs.statSync(file).size, created_at: Date.now(), path: file, batch_id: null, kind: 'upload' as const };
    this.repo.insert(row);
    return { ...row, deleted: 0 };
  }

  /** A generated file (a batch's output or errors): a row only; its content is produced from the requests. */
  recordGenerated(kind: 'batch_output' | 'batch_error', batchId: string, filename: string): string {
    const id = newId('file');
    this.repo.insert({ id, filename, purpose: kind, bytes: 0, created_at: Date.now(), path: null, batch_id: batchId, kind });
    return id;
  }

  tempPath(name: string): string {
    return path.join(this.dir, `.tmp-${newId('file')}-${path.basename(name).replace(/[^A-Za-z0-9._-]/g, '_')}`);
  }

  remove(row: FileRow): void {
    this.repo.markDeleted(row.id);
    if (row.path) fs.rmSync(row.path, { force: true });
  }
}
