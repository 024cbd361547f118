import { create } from 'zustand';
import type { ValidationReport } from '../../../shared/batch.ts';
import type { Api } from '../../../shared/contract/index.ts';
import { toError } from '../../api/toError.ts';

/**
 * The file being prepared for submission. Kept outside the Submit view so that a file dropped anywhere on
 * the window (from any view) lands here, and so that leaving the view does not lose the draft.
 */
export interface SubmitDraft {
  fileName: string | null;
  fileSize: number;
  content: string | null;
  reading: boolean;
  validating: boolean;
  report: ValidationReport | null;
  error: Error | null;
  name: string;
  model: string;
  priority: number;
  /** A file is being dragged over the window. */
  dragging: boolean;
}

const EMPTY: SubmitDraft = {
  fileName: null, fileSize: 0, content: null, reading: false, validating: false, report: null, error: null,
  name: '', model: '', priority: 0, dragging: false,
};

export const useSubmitDraft = create<SubmitDraft>()(() => ({ ...EMPTY }));

export function setDraft(patch: Partial<SubmitDraft>): void {
  useSubmitDraft.setState(patch);
}

export function clearDraft(): void {
  useSubmitDraft.setState({ ...EMPTY });
}

let loadSeq = 0;

/** Reads the file and has the engine validate every line; nothing is queued until "Submit batch". */
export async function loadBatchFile(api: Api, file: File): Promise<void> {
  const seq = ++loadSeq;
  const stale = () => seq !== loadSeq;
  useSubmitDraft.setState({
    ...EMPTY,
    fileName: file.name,
    fileSize: file.size,
    name: file.name.replace(/\.jsonl?$/i, ''),
    reading: true,
  });
  let content: string;
  try {
    content = await file.text();
  } catch (err) {
    if (!stale()) useSubmitDraft.setState({ reading: false, error: new Error(`Could not read ${file.name}: ${(err as Error).message}`) });
    return;
  }
  if (stale()) return;
  useSubmitDraft.setState({ content, reading: false, validating: true });
  try {
    const report = await api.invoke('batches.validate', { name: file.name, content });
    if (stale()) return;
    useSubmitDraft.setState({ report, validating: false, model: report.model ?? '' });
  } catch (err) {
    if (!stale()) useSubmitDraft.setState({ validating: false, error: toError(err) });
  }
}
