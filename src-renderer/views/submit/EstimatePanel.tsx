import { useEffect, useState } from 'react';
import type { BatchEstimate } from '../../../shared/batch.ts';
import { useApi } from '../../api/ApiContext.tsx';
import { useAppStore } from '../../store/appStore.ts';
import { selectBatchTabCounts } from '../../store/selectors.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { formatInt } from '../../format/numbers.ts';
import { formatWhen } from '../../format/time.ts';
import { toError } from '../../api/toError.ts';

/**
 * Where the batch would go in the queue and when it would start and finish. Asked again when the model or
 * priority changes, or when the queue in front of it moves (debounced, so a running batch does not make it chatter).
 */
export function EstimatePanel({ requestCount, model, priority }: { requestCount: number; model: string | null; priority: number }) {
  const api = useApi();
  const pendingAhead = useAppStore((s) => s.queue?.pendingRequests ?? 0);
  const [estimate, setEstimate] = useState<BatchEstimate | null>(null);
  const [error, setError] = useState<Error | null>(null);
  // Coarse bucket: the estimate does not need asking again for every request the executor finishes.
  const queueBucket = Math.round(Math.log2(1 + pendingAhead) * 4);
  // The queue-limit verdict also changes when a limit is edited (in Settings, another window, a script) or a
  // batch leaves the queue while the requests ahead stay put (a paused one cancelled): ask again then too.
  const limits = useAppStore((s) => (s.settings ? `${s.settings.maxQueuedBatches}:${s.settings.maxQueuedRequests}` : ''));
  const activeBatches = useAppStore((s) => selectBatchTabCounts(s).active);

  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      api.invoke('batches.estimate', { requestCount, model, priority }).then(
        (e) => { if (live) { setEstimate(e); setError(null); } },
        (err: unknown) => { if (live) setError(toError(err)); },
      );
    }, 300);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, requestCount, model, priority, queueBucket, limits, activeBatches]);

  return (
    <div className="estimate" aria-label="Estimate">
      <ErrorMessage error={error} title="No estimate" />
      {estimate && (
        <>
          <dl className="facts facts--grid">
            <div><dt>Queue position</dt><dd className="num">{estimate.queuePosition}</dd></div>
            <div><dt>Requests ahead</dt><dd className="num">{formatInt(estimate.requestsAhead)}</dd></div>
            <div><dt>Starts</dt><dd>{estimate.startAt == null ? 'unknown' : formatWhen(estimate.startAt)}</dd></div>
            <div><dt>Finishes</dt><dd>{estimate.finishAt == null ? 'unknown' : formatWhen(estimate.finishAt)}</dd></div>
          </dl>
          <p className="small muted">{estimate.basis}</p>
          {estimate.queueLimit && <p className="text-bad small" role="alert">{estimate.queueLimit.message}</p>}
        </>
      )}
    </div>
  );
}
