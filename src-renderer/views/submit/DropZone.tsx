import { useRef } from 'react';
import { useApi } from '../../api/ApiContext.tsx';
import { useFileTransfer } from '../../api/FileTransferContext.tsx';
import { loadBatchFile, useSubmitDraft } from './submitDraft.ts';

/** The label automated checks and screen readers use for the file input of the drop zone. */
export const DROP_ZONE_LABEL = 'Drop a batch file (.jsonl)';

/**
 * The drop target (drops are handled for the whole window, see useWindowFileDrop) and its file input:
 * the input carries the drop zone's name, and a button opens it for keyboard users.
 */
export function DropZone() {
  const api = useApi();
  const files = useFileTransfer();
  const inputRef = useRef<HTMLInputElement>(null);
  const dragging = useSubmitDraft((s) => s.dragging);
  const fileName = useSubmitDraft((s) => s.fileName);
  return (
    <div className={`dropzone${dragging ? ' dropzone--active' : ''}`} onClick={(e) => { if (e.target === e.currentTarget) inputRef.current?.click(); }}>
      <input
        ref={inputRef}
        type="file"
        accept=".jsonl,.json,application/jsonl,application/x-ndjson,text/plain"
        className="visually-hidden"
        aria-label={DROP_ZONE_LABEL}
        tabIndex={-1}
        onChange={(e) => {
          const file = e.currentTarget.files?.[0];
          if (file) void loadBatchFile(api, files, file);
          // Choosing the same file again after editing it must validate again.
          e.currentTarget.value = '';
        }}
      />
      <p className="dropzone__title" aria-hidden="true">{DROP_ZONE_LABEL}</p>
      <p className="small muted">Drop it here or anywhere on the window, or</p>
      <button type="button" className="btn" onClick={() => inputRef.current?.click()}>
        Choose a file…
      </button>
      {fileName && <p className="small">Current file: <strong>{fileName}</strong></p>}
    </div>
  );
}
