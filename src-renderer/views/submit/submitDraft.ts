import { create } from 'zustand';
import type { Api } from '../../../shared/contract/index.ts';
import type { UploadProgress, UploadReport } from '../../../shared/upload.ts';
import { toError } from '../../api/toError.ts';
import type { FileTransfer } from '../../transport/fileTransfer.ts';
import { newUploadKey } from '../../transport/uploadKey.ts';

/**
 * The file being prepared for submission. Kept outside the Submit view so that a file dropped anywhere on
 * the window (from any view) lands here. The window never holds the file's content: it is stored in the
 * engine (uploaded, or read from its path on the desktop), validated once there, and submitted by its id.
 */
export interface SubmitDraft {
  fileName: string | null;
  fileSize: number;
  /**
   * uploading: bytes go to the engine, which validates them as they arrive (progress may already be in);
   * validating: all sent, the engine reads the rest; ready: the report is in.
   */
  phase: 'idle' | 'uploading' | 'validating' | 'ready';
  sentBytes: number;
  /** The stored upload; set from the end of the upload until it is submitted or discarded. */
  fileId: string | null;
  progress: UploadProgress | null;
  report: UploadReport | null;
  error: Error | null;
  name: string;
  model: string;
  priority: number;
  /** A file is being dragged over the window. */
  dragging: boolean;
}

const EMPTY: SubmitDraft = {
  fileName: null, fileSize: 0, phase: 'idle', sentBytes: 0, fileId: null, progress: null, report: null, error: null,
  name: '', model: '', priority: 0, dragging: false,
};

export const useSubmitDraft = create<SubmitDraft>()(() => ({ ...EMPTY }));

export function setDraft(patch: Partial<SubmitDraft>): void {
  useSubmitDraft.setState(patch);
}

/** The load in progress: a newer drop, Cancel or leaving the view stops it. */
let current: { seq: number; abort: AbortController; api: Api } | null = null;
let loadSeq = 0;

/** Forgets the draft without touching the engine (after a submit, the upload belongs to the batch). */
export function clearDraft(): void {
  current = null;
  useSubmitDraft.setState({ ...EMPTY });
}

/**
 * Stops an upload or validation in progress and removes an upload that was not submitted, with its stored
 * file and the rows written for it. Used for Cancel, Discard, a second drop and leaving the Submit view.
 */
export async function discardDraft(api: Api): Promise<void> {
  const { fileId } = useSubmitDraft.getState();
  current?.abort.abort();
  clearDraft();
  if (fileId) await api.invoke('files.discard', { fileId }).catch(() => undefined);
}

/** Stores the file in the engine and has it validated once; nothing is queued until "Submit batch". */
export async function loadBatchFile(api: Api, files: FileTransfer, file: File): Promise<void> {
  await discardDraft(api);
  const seq = ++loadSeq;
  const abort = new AbortController();
  current = { seq, abort, api };
  const live = () => current?.seq === seq && !abort.signal.aborted;
  useSubmitDraft.setState({
    ...EMPTY,
    fileName: file.name,
    fileSize: file.size,
    name: file.name.replace(/\.jsonl?$/i, ''),
    phase: 'uploading',
  });

  // The engine validates the bytes as they arrive, but the file id comes only with the upload's answer: its
  // progress events are followed by this key meanwhile, so the first errors show while the rest is on its way.
  const uploadKey = newUploadKey();
  let fileId: string | null = null;
  const off = api.on('upload.progress', (p) => {
    if ((p.uploadKey === uploadKey || p.fileId === fileId) && live()) useSubmitDraft.setState({ progress: p });
  });
  try {
    try {
      ({ fileId } = await files.upload(file, { signal: abort.signal, uploadKey, onSent: (sent) => { if (live()) useSubmitDraft.setState({ sentBytes: sent }); } }));
    } catch (err) {
      if (live()) useSubmitDraft.setState({ phase: 'idle', error: uploadError(file, err) });
      return;
    }
    if (!live()) {
      // Cancelled or replaced while the last bytes went out: the engine has it, so remove it there.
      await api.invoke('files.discard', { fileId }).catch(() => undefined);
      return;
    }
    useSubmitDraft.setState({ fileId, phase: 'validating', sentBytes: file.size });
    const report = await api.invoke('files.validate', { fileId });
    if (live()) useSubmitDraft.setState({ report, phase: 'ready', model: report.model ?? '' });
  } catch (err) {
    if (live()) useSubmitDraft.setState({ phase: 'idle', error: toError(err) });
  } finally {
    off();
  }
}

function uploadError(file: File, err: unknown): Error {
  if (err instanceof DOMException && err.name === 'AbortError') return new Error(`Upload of ${file.name} cancelled`);
  return toError(err);
}
