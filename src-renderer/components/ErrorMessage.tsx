import type { ApiErrorBody } from '../../shared/contract/index.ts';

/**
 * Reads code and issues by shape, not by class: an error that crossed the Electron context bridge is a
 * clone whose prototype is lost, but whose fields may survive.
 */
function details(error: Error): { code: string | null; issues: ApiErrorBody['issues'] } {
  const e = error as Partial<ApiErrorBody>;
  return {
    code: typeof e.code === 'string' ? e.code : null,
    issues: Array.isArray(e.issues) ? e.issues : undefined,
  };
}

/** An engine error shown where the action was taken: its message, its code, and each invalid field. */
export function ErrorMessage({ error, onDismiss, title }: { error: Error | null | undefined; onDismiss?: () => void; title?: string }) {
  if (!error) return null;
  const { code, issues } = details(error);
  return (
    <div className="error-message" role="alert">
      <div className="error-message__head">
        <strong>{title ?? 'Error'}</strong>
        {code && <code className="error-message__code">{code}</code>}
        {onDismiss && (
          <button type="button" className="btn btn--ghost btn--small" onClick={onDismiss} aria-label="Dismiss error">
            ✕
          </button>
        )}
      </div>
      <p className="error-message__text">{error.message}</p>
      {issues && issues.length > 0 && (
        <ul className="error-message__issues">
          {issues.map((issue, i) => (
            <li key={i}>
              <code>{issue.path}</code>: {issue.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
