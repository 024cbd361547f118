import type { LineError } from '../../../shared/batch.ts';
import { withoutLinePrefix } from '../../format/lineMessage.ts';

/** Every finding, each with its line as "line N", so the operator can fix the file in one pass. */
export function ValidationErrors({ errors }: { errors: LineError[] }) {
  return (
    <div className="validation" role="alert">
      <p className="text-bad">
        <strong>{errors.length} error{errors.length === 1 ? '' : 's'}</strong> in the file. Nothing was queued; fix the file and drop it again.
      </p>
      <ol className="validation-errors" aria-label="Validation errors">
        {errors.map((e, i) => (
          <li key={i} data-line={e.line ?? undefined}>
            <span className="validation-errors__line">{e.line != null ? `line ${e.line}` : 'file'}</span>: {withoutLinePrefix(e.message, e.line)}
            {' '}<code className="muted small">{e.code}{e.param ? ` · ${e.param}` : ''}</code>
          </li>
        ))}
      </ol>
    </div>
  );
}
