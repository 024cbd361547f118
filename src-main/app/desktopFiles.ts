import type { StoredUpload } from '../../shared/upload.ts';
import { ApiError } from '../../shared/contract/index.ts';
import type { DesktopHandlers } from './ipcBridge.ts';

/** What the handlers need of the engine (engineHost.ts provides it). */
export interface EngineFiles {
  /** Stores a copy of the file at `filePath` as an upload, read from disk as a stream (progress events keyed by uploadKey). */
  importUpload(filePath: string, uploadKey?: string): Promise<StoredUpload>;
  /** Streams a batch's output or error file to `dest`; returns the lines written. */
  writeResults(batchId: string, kind: 'output' | 'error', dest: string): Promise<{ lines: number }>;
}

/** Electron's save dialog, reduced to what is asked of it; null when the operator cancels. */
export type AskSavePath = (suggestedName: string) => Promise<string | null>;

/**
 * The desktop window's file requests: a dropped or picked file arrives as its path (the preload asks
 * webUtils.getPathForFile; the content never crosses IPC) and is read here; results go to a path the operator
 * chose in a save dialog, streamed from the engine, never through the window.
 */
export function createDesktopHandlers(deps: { files: EngineFiles; askSavePath: AskSavePath }): DesktopHandlers {
  return {
    'files.importPath': async ({ path, uploadKey }) => {
      try {
        return await deps.files.importUpload(path, uploadKey);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        const why = e.code === 'ENOENT' ? 'it does not exist (moved or deleted?)' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EISDIR' ? 'it is a folder; drop the .jsonl file itself' : e.message;
        throw new ApiError({ code: 'invalid_input', message: `Could not read ${path}: ${why}` });
      }
    },
    'batches.saveResults': async ({ id, kind }) => {
      const dest = await deps.askSavePath(`${id}_${kind}.jsonl`);
      if (dest === null) return { path: null, lines: 0 };
      const { lines } = await deps.files.writeResults(id, kind, dest);
      return { path: dest, lines };
    },
  };
}
