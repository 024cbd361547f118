import { useCallback, useState } from 'react';
import type { BatchSummary, ResultRow } from '../../../shared/batch.ts';
import { useApi } from '../../api/ApiContext.tsx';
import { usePagedRows } from '../../hooks/usePagedRows.ts';
import { PagedTable, type Column } from '../../components/PagedTable.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { DASH } from '../../format/numbers.ts';
import { summarizeRequest, summarizeResponse } from '../../format/payload.ts';
import { useLiveRefresh } from './useLiveRefresh.ts';
import { RowDetail } from './RowDetail.tsx';
import { SelectField } from '../../components/SelectField.tsx';

type Filter = 'all' | 'succeeded' | 'failed' | 'pending';

const COLUMNS: Column<ResultRow>[] = [
  { header: '#', render: (r) => r.index + 1, className: 'num muted' },
  { header: 'custom_id', render: (r) => <span className="truncate" title={r.customId}>{r.customId}</span>, className: 'mono' },
  { header: 'State', render: (r) => <StatusBadge status={r.state} /> },
  { header: 'HTTP', render: (r) => r.statusCode ?? DASH, className: 'num' },
  { header: 'Tries', render: (r) => r.attempts, className: 'num' },
  { header: 'Latency', render: (r) => (r.latencyMs == null ? DASH : `${Math.round(r.latencyMs)} ms`), className: 'num' },
  { header: 'Tokens', render: (r) => (r.promptTokens == null ? DASH : `${r.promptTokens}+${r.completionTokens ?? 0}`), className: 'num' },
  { header: 'Request', render: (r) => <span className="truncate">{summarizeRequest(r.request)}</span> },
  { header: 'Response', render: (r) => <span className={`truncate${r.error ? ' text-bad' : ''}`}>{r.error ? `${r.error.code}: ${r.error.message}` : summarizeResponse(r.response)}</span> },
];
const GRID = '4.5rem minmax(8rem, 13rem) 6.5rem 3.5rem 3.5rem 5rem 6rem minmax(10rem, 1fr) minmax(10rem, 1fr)';

function expectedCount(b: BatchSummary, filter: Filter): number {
  switch (filter) {
    case 'succeeded': return b.counts.completed;
    case 'failed': return b.counts.failed;
    case 'pending': return Math.max(0, b.counts.total - b.counts.completed - b.counts.failed);
    default: return b.counts.total;
  }
}

/** Every request of the batch beside its response, paged through batches.results and virtualized. */
export function ResultsTable({ batch }: { batch: BatchSummary }) {
  const api = useApi();
  const [filter, setFilter] = useState<Filter>('all');
  const [selected, setSelected] = useState<{ index: number; row: ResultRow } | null>(null);
  const paged = usePagedRows<ResultRow>(`${batch.id}:${filter}`, (offset, limit) =>
    api.invoke('batches.results', { id: batch.id, state: filter, offset, limit }));
  useLiveRefresh(paged, `${batch.counts.completed}:${batch.counts.failed}:${batch.status}`);
  const count = paged.total ?? expectedCount(batch, filter);
  const onSelect = useCallback((row: ResultRow, index: number) => setSelected({ row, index }), []);
  // The selected row follows refreshes (its state may have changed since it was clicked).
  const fresh = selected ? paged.row(selected.index) : undefined;
  const current = selected ? (fresh && fresh.customId === selected.row.customId ? fresh : selected.row) : null;

  return (
    <div className="results">
      <div className="toolbar">
        <SelectField label="Show" className="field--inline" value={filter} onChange={(e) => { setFilter(e.target.value as Filter); setSelected(null); }}>
          <option value="all">All requests</option>
          <option value="succeeded">Succeeded</option>
          <option value="failed">Failed</option>
          <option value="pending">Pending</option>
        </SelectField>
        <span className="small muted">{count} row{count === 1 ? '' : 's'} · select a row to see its full request and response</span>
      </div>
      <PagedTable
        paged={paged}
        count={count}
        columns={COLUMNS}
        gridTemplate={GRID}
        label="Results"
        height="min(60vh, 560px)"
        selectedIndex={selected?.index ?? null}
        onSelect={onSelect}
        rowKey={(r) => r.customId}
      />
      {current && <RowDetail row={current} onClose={() => setSelected(null)} />}
    </div>
  );
}
