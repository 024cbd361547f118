import type { LineError, ValidationReport } from './batch.ts';

/**
 * A batch file stored by the engine (uploaded with `POST /v1/files`, or imported from a path by the desktop
 * window) and validated once; "Submit batch" queues it by this id without reading the file again.
 */
export interface UploadReport extends ValidationReport {
  fileId: string;
  filename: string;
  bytes: number;
  /** Time spent validating (and indexing) the file, in ms. */
  elapsedMs: number;
}

/** A stored upload before validation: what the desktop's path import returns. */
export interface StoredUpload { fileId: string; filename: string; bytes: number }

/** Pushed a few times a second while an upload is validated: how far it got, and the first errors found. */
export interface UploadProgress {
  fileId: string;
  bytesRead: number;
  totalBytes: number;
  /** Non-blank lines seen so far. */
  lines: number;
  elapsedMs: number;
  errorCount: number;
  /** The first errors found so far (a few), so the operator sees them before the end of a long file. */
  firstErrors: LineError[];
}

/**
 * What the desktop preload exposes besides the contract's Api: a dropped or picked File goes to the engine as
 * its path on disk (webUtils.getPathForFile), never as its content.
 */
export interface DesktopFileBridge {
  importFile(file: File): Promise<StoredUpload>;
}
