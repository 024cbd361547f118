import { useState } from 'react';
import type { BatchSummary, BatchStatus } from '../../../shared/batch.ts';
import type { RequestName } from '../../../shared/contract/index.ts';
import { useApi } from '../../api/ApiContext.tsx';
import { useAction } from '../../api/useAction.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { applyLocally } from '../../store/applyLocally.ts';
import { downloadBatchFile } from './downloadBatchFile.ts';

const CANCELLABLE: BatchStatus[] = ['validating', 'queued', 'in_progress', 'paused'];
const PAUSABLE: BatchStatus[] = ['queued', 'in_progress'];
const NOT_RETRYABLE: BatchStatus[] = ['validating', 'cancelling', 'finalizing'];

type Command = Extract<RequestName, 'batches.cancel' | 'batches.pause' | 'batches.resume' | 'batches.retryFailed'>;

/** The batch's actions, each enabled only in the states where the engine accepts it. */
export function BatchActions({ batch }: { batch: BatchSummary }) {
  const api = useApi();
  const [notice, setNotice] = useState<string | null>(null);
  const command = useAction(async (name: Command) => {
    setNotice(null);
    const summary = await api.invoke(name, { id: batch.id });
    applyLocally('batch.updated', summary);
    return summary;
  });
  const download = useAction(async (kind: 'output' | 'error') => {
    setNotice(null);
    const { filename, lines } = await downloadBatchFile(api, batch.id, kind);
    setNotice(`Downloaded ${filename} (${lines} line${lines === 1 ? '' : 's'}).`);
  });
  const s = batch.status;
  const busy = command.pending;
  return (
    <div className="actions">
      <div className="actions__row" role="group" aria-label="Batch actions">
        <button type="button" className="btn" disabled={download.pending || s === 'validating'} onClick={() => void download.run('output')}>
          Download results
        </button>
        <button type="button" className="btn" disabled={download.pending || s === 'validating'} onClick={() => void download.run('error')}>
          Download errors
        </button>
        <span className="actions__sep" />
        <button type="button" className="btn" disabled={busy || !PAUSABLE.includes(s)} onClick={() => void command.run('batches.pause')}>
          Pause
        </button>
        <button type="button" className="btn" disabled={busy || s !== 'paused'} onClick={() => void command.run('batches.resume')}>
          Resume
        </button>
        <button type="button" className="btn" disabled={busy || batch.counts.failed === 0 || NOT_RETRYABLE.includes(s)} onClick={() => void command.run('batches.retryFailed')}>
          Retry failed
        </button>
        <button type="button" className="btn btn--danger" disabled={busy || !CANCELLABLE.includes(s)} onClick={() => void command.run('batches.cancel')}>
          Cancel batch
        </button>
      </div>
      {notice && <p className="small text-ok" role="status">{notice}</p>}
      <ErrorMessage error={command.error} onDismiss={command.clearError} title="The engine refused" />
      <ErrorMessage error={download.error} onDismiss={download.clearError} title="Download failed" />
    </div>
  );
}
