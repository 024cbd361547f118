import { useState } from 'react';
import type { BatchSummary } from '../../../shared/batch.ts';
import { useApi } from '../../api/ApiContext.tsx';
import { useFileTransfer } from '../../api/FileTransferContext.tsx';
import { useAction } from '../../api/useAction.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';

const KINDS = [
  { kind: 'output', label: 'Download results', file: (b: BatchSummary) => b.outputFileId },
  { kind: 'error', label: 'Download errors', file: (b: BatchSummary) => b.errorFileId },
] as const;

/**
 * The output and error files leave the engine as files, never through the window's messages: in a browser
 * as links to `GET /v1/files/{id}/content` (the browser streams them to disk), on the desktop through a save
 * dialog, the main process writing the file. Partial while the batch runs.
 */
export function ResultDownloads({ batch }: { batch: BatchSummary }) {
  const files = useFileTransfer();
  const api = useApi();
  const [notice, setNotice] = useState<string | null>(null);
  const save = useAction(async (kind: 'output' | 'error') => {
    setNotice(null);
    const r = await api.invoke('batches.saveResults', { id: batch.id, kind });
    if (r.path) setNotice(`Saved ${r.path} (${r.lines} line${r.lines === 1 ? '' : 's'}).`);
  });
  const unavailable = batch.status === 'validating';
  return (
    <>
      {KINDS.map(({ kind, label, file }) => {
        const fileId = file(batch);
        if (files.kind === 'desktop' || !fileId || unavailable) {
          return (
            <button key={kind} type="button" className="btn" disabled={save.pending || unavailable || files.kind !== 'desktop'} onClick={() => void save.run(kind)}>
              {label}
            </button>
          );
        }
        return (
          <a key={kind} className="btn" href={files.contentUrl(fileId)} download={`${batch.id}_${kind}.jsonl`}>
            {label}
          </a>
        );
      })}
      {notice && <p className="small text-ok" role="status">{notice}</p>}
      <ErrorMessage error={save.error} onDismiss={save.clearError} title="Saving failed" />
    </>
  );
}
