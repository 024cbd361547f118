import { useAppStore } from '../store/appStore.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';

/**
 * Says plainly when what the window shows may be out of date: the line to the engine is down, or the
 * snapshot could not be loaded. Never a silent stale view.
 */
export function ConnectionBanner({ onRetry }: { onRetry: () => void }) {
  const { status, detail, loaded, snapshotError } = useAppStore((s) => s.connection);
  // Between attempts the status goes closed -> connecting -> closed; the banner stays up through all of it.
  if (status === 'closed' || (status === 'connecting' && (loaded || detail))) {
    return (
      <div className="banner banner--bad conn-banner" role="alert">
        {loaded ? 'Lost the connection to the Batchdeck engine' : 'Cannot reach the Batchdeck engine'}{detail ? `: ${detail}` : ''}. Reconnecting…
        {loaded ? ' What is shown may be out of date until then.' : ''}
      </div>
    );
  }
  if (snapshotError) {
    return (
      <div className="conn-banner">
        <ErrorMessage error={snapshotError} title="Could not load the engine state" />
        <button type="button" className="btn btn--small" onClick={onRetry}>Try again</button>
      </div>
    );
  }
  return null;
}
