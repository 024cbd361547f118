import type { BatchSummary, ResultRow } from '../../../shared/batch.ts';
import { useApi } from '../../api/ApiContext.tsx';
import { usePagedRows } from '../../hooks/usePagedRows.ts';
import { PagedTable, type Column } from '../../components/PagedTable.tsx';
import { DASH } from '../../format/numbers.ts';
import { summarizeRequest } from '../../format/payload.ts';
import { useLiveRefresh } from './useLiveRefresh.ts';

const COLUMNS: Column<ResultRow>[] = [
  { header: 'Line', render: (r) => r.index + 1, className: 'num muted' },
  { header: 'custom_id', render: (r) => <span className="truncate" title={r.customId}>{r.customId}</span>, className: 'mono' },
  { header: 'HTTP', render: (r) => r.statusCode ?? DASH, className: 'num' },
  { header: 'Tries', render: (r) => r.attempts, className: 'num' },
  { header: 'Reason', render: (r) => <span className="truncate text-bad" title={r.error?.message}>{r.error ? `${r.error.code}: ${r.error.message}` : 'failed'}</span> },
  { header: 'Request', render: (r) => <span className="truncate muted">{summarizeRequest(r.request)}</span> },
];
const GRID = '4.5rem minmax(8rem, 13rem) 3.5rem 3.5rem minmax(12rem, 2fr) minmax(8rem, 1fr)';

/** The batch's dead letters: requests that failed for good, with the reason; "Retry failed" re-queues them. */
export function DeadLetters({ batch }: { batch: BatchSummary }) {
  const api = useApi();
  const paged = usePagedRows<ResultRow>(`${batch.id}:dead`, (offset, limit) =>
    api.invoke('batches.results', { id: batch.id, state: 'failed', offset, limit }));
  useLiveRefresh(paged, `${batch.counts.failed}:${batch.status}`);
  const count = paged.total ?? batch.counts.failed;
  if (count === 0) return <p className="muted">No failed requests.</p>;
  return (
    <PagedTable paged={paged} count={count} columns={COLUMNS} gridTemplate={GRID} label="Dead letters" height={Math.min(320, 34 * count + 2)} rowKey={(r) => r.customId} />
  );
}
