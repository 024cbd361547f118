import type { LineError, ValidationReport } from './batch.ts';

/**
 * The window's own name for an upload it is sending, made before the first byte goes out
 * (`crypto.randomUUID()`), so it can follow the validation of the bytes already sent while the file id is still
 * in the server's pending answer. A correlation id only: it grants nothing (the route's token check is the
 * access control), and it is one UUID, nothing else, so no arbitrary header text is echoed to every client.
 */
export const UPLOAD_KEY_HEADER = 'x-batchdeck-upload-key';

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
  /** The key the upload was sent with (UPLOAD_KEY_HEADER), on every event of that upload; absent without one. */
  uploadKey?: string;
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
  /** uploadKey: carried by the `upload.progress` events of the import, as for an upload. */
  importFile(file: File, uploadKey?: string): Promise<StoredUpload>;
}
