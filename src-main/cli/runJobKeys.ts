import type { Db } from '../core/store/database.ts';
import { SettingsRepo } from '../core/store/settingsRepo.ts';

/**
 * Which batch a `batchdeck run` started, by what identifies the job: the input's content hash and the output
 * path. Kept in the data dir's SQLite, next to the batch itself, so a run after Ctrl-C or a crash finds it.
 */
export class RunJobKeys {
  private readonly repo: SettingsRepo;

  constructor(db: Db) {
    this.repo = new SettingsRepo(db);
  }

  static key(inputSha256: string, outputPath: string): string {
    return `run-job:${inputSha256}:${outputPath}`;
  }

  get(key: string): string | null {
    const raw = this.repo.getRaw(key);
    if (raw === null) return null;
    try {
      const v = JSON.parse(raw) as { batchId?: unknown };
      return typeof v.batchId === 'string' ? v.batchId : null;
    } catch {
      return null;
    }
  }

  set(key: string, batchId: string): void {
    this.repo.putRaw(key, JSON.stringify({ batchId }));
  }
}
