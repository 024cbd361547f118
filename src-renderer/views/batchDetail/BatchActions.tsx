import type { BatchSummary, BatchStatus } from '../../../shared/batch.ts';
import type { RequestName } from '../../../shared/contract/index.ts';
import { useApi } from '../../api/ApiContext.tsx';
import { useAction } from '../../api/useAction.ts';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { applyLocally } from '../../store/applyLocally.ts';
import { ResultDownloads } from './ResultDownloads.tsx';

const CANCELLABLE: BatchStatus[] = ['validating', 'queued', 'in_progress', 'paused'];
const PAUSABLE: BatchStatus[] = ['queued', 'in_progress'];
/** Where the engine re-queues failed requests; an expired, cancelled or failed batch is over (OpenAI's semantics). */
const RETRYABLE: BatchStatus[] = ['queued', 'in_progress', 'paused', 'completed'];

type Command = Extract<RequestName, 'batches.cancel' | 'batches.pause' | 'batches.resume' | 'batches.retryFailed'>;

/** The batch's actions, each enabled only in the states where the engine accepts it. */
export function BatchActions({ batch }: { batch: BatchSummary }) {
  const api = useApi();
  const command = useAction(async (name: Command) => {
    const summary = await api.invoke(name, { id: batch.id });
    applyLocally('batch.updated', summary);
    return summary;
  });
  const s = batch.status;
  const busy = command.pending;
  return (
    <div className="actions">
      <div className="actions__row" role="group" aria-label="Batch actions">
        <ResultDownloads batch={batch} />
        <span className="actions__sep" />
        <button type="button" className="btn" disabled={busy || !PAUSABLE.includes(s)} onClick={() => void command.run('batches.pause')}>
          Pause
        </button>
        <button type="button" className="btn" disabled={busy || s !== 'paused'} onClick={() => void command.run('batches.resume')}>
          Resume
        </button>
        <button type="button" className="btn" disabled={busy || batch.counts.failed === 0 || !RETRYABLE.includes(s)} onClick={() => void command.run('batches.retryFailed')}>
          Retry failed
        </button>
        <ConfirmButton className="btn btn--danger" label="Cancel batch" confirmLabel="Confirm cancel" disabled={busy || !CANCELLABLE.includes(s)} onConfirm={() => void command.run('batches.cancel')} />
      </div>
      <ErrorMessage error={command.error} onDismiss={command.clearError} title="The engine refused" />
    </div>
  );
}
