import type { LineError } from '../../../shared/batch.ts';
import type { UploadProgress } from '../../../shared/upload.ts';
import { ProgressBar } from '../../components/ProgressBar.tsx';
import { formatBytes, formatInt, formatRate, ratio } from '../../format/numbers.ts';
import { withoutLinePrefix } from '../../format/lineMessage.ts';
import { useSubmitDraft } from './submitDraft.ts';

/**
 * While the file goes to the engine and is read there: how far, how fast (bytes and lines per second), and
 * the first errors as soon as they are found, so a bad file can be stopped early with Cancel. The engine
 * validates the bytes as they arrive, so while a file is still being sent both bars move.
 */
export function ValidationProgress({ onCancel }: { onCancel: () => void }) {
  const d = useSubmitDraft();
  if (d.phase !== 'uploading' && d.phase !== 'validating') return null;
  const p = d.progress;
  const uploading = d.phase === 'uploading';
  const sending = uploading ? `Sending ${d.fileName}: ${formatBytes(d.sentBytes)} of ${formatBytes(d.fileSize)}` : null;
  const validating = p ? validationText(d.fileName, p) : uploading ? null : `Validating ${d.fileName}…`;
  return (
    <div className="validation-progress">
      {sending && <ProgressBar label="Upload progress" value={ratio(d.sentBytes, d.fileSize)} valueText={sending} />}
      {validating && <ProgressBar label="Validation progress" value={ratio(p?.bytesRead ?? 0, p?.totalBytes ?? d.fileSize)} valueText={validating} />}
      <div className="form__actions">
        <p role="status" className="small muted">{[sending, validating].filter(Boolean).join(' · ')}</p>
        <button type="button" className="btn btn--ghost" onClick={onCancel}>Cancel</button>
      </div>
      {p && p.errorCount > 0 && <ErrorsSoFar count={p.errorCount} first={p.firstErrors} />}
    </div>
  );
}

function validationText(fileName: string | null, p: UploadProgress): string {
  const seconds = p.elapsedMs / 1000;
  return `Validating ${fileName}: ${formatBytes(p.bytesRead)} of ${formatBytes(p.totalBytes)} · ${formatInt(p.lines)} lines · `
    + `${seconds > 0 ? formatRate(p.lines / seconds) : '—'} lines/s · ${seconds > 0 ? formatBytes(p.bytesRead / seconds) : '—'}/s`;
}

function ErrorsSoFar({ count, first }: { count: number; first: LineError[] }) {
  return (
    <div className="validation" role="alert">
      <p className="text-bad"><strong>{formatInt(count)} error{count === 1 ? '' : 's'} so far</strong>; nothing will be queued. The full list follows when the whole file is read.</p>
      <ol className="validation-errors" aria-label="Errors found so far">
        {first.map((e, i) => (
          <li key={i} data-line={e.line ?? undefined}>
            <span className="validation-errors__line">{e.line != null ? `line ${e.line}` : 'file'}</span>: {withoutLinePrefix(e.message, e.line)}
            {' '}<code className="muted small">{e.code}</code>
          </li>
        ))}
      </ol>
    </div>
  );
}
