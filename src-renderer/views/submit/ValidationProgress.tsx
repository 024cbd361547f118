import type { LineError } from '../../../shared/batch.ts';
import { ProgressBar } from '../../components/ProgressBar.tsx';
import { formatBytes, formatInt, formatRate, ratio } from '../../format/numbers.ts';
import { withoutLinePrefix } from '../../format/lineMessage.ts';
import { useSubmitDraft } from './submitDraft.ts';

/**
 * While the file goes to the engine and is read there: how far, how fast (bytes and lines per second), and
 * the first errors as soon as they are found, so a bad file can be stopped early with Cancel.
 */
export function ValidationProgress({ onCancel }: { onCancel: () => void }) {
  const d = useSubmitDraft();
  if (d.phase !== 'uploading' && d.phase !== 'validating') return null;
  const p = d.progress;
  const seconds = p ? p.elapsedMs / 1000 : 0;
  const uploading = d.phase === 'uploading';
  const done = uploading ? d.sentBytes : p?.bytesRead ?? 0;
  const total = uploading ? d.fileSize : p?.totalBytes ?? d.fileSize;
  const text = uploading
    ? `Sending ${d.fileName}: ${formatBytes(done)} of ${formatBytes(total)}`
    : p
      ? `Validating ${d.fileName}: ${formatBytes(done)} of ${formatBytes(total)} · ${formatInt(p.lines)} lines · `
        + `${seconds > 0 ? formatRate(p.lines / seconds) : '—'} lines/s · ${seconds > 0 ? formatBytes(done / seconds) : '—'}/s`
      : `Validating ${d.fileName}…`;
  return (
    <div className="validation-progress">
      <ProgressBar label={uploading ? 'Upload progress' : 'Validation progress'} value={ratio(done, total)} valueText={text} />
      <div className="form__actions">
        <p role="status" className="small muted">{text}</p>
        <button type="button" className="btn btn--ghost" onClick={onCancel}>Cancel</button>
      </div>
      {p && p.errorCount > 0 && <ErrorsSoFar count={p.errorCount} first={p.firstErrors} />}
    </div>
  );
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
