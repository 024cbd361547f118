import { memo } from 'react';
import type { ResultRow } from '../../../shared/batch.ts';
import { useApi } from '../../api/ApiContext.tsx';
import { useAppStore } from '../../store/appStore.ts';
import { selectAllBatchIds } from '../../store/selectors.ts';
import { usePagedRows } from '../../hooks/usePagedRows.ts';
import { PagedTable, type Column } from '../../components/PagedTable.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { navigate } from '../../router/useRoute.ts';
import { summarizeResponse } from '../../format/payload.ts';
import { SelectField } from '../../components/SelectField.tsx';

interface CompareRow { customId: string; a: ResultRow | null; b: ResultRow | null }

function outcome(r: ResultRow | null): string {
  if (!r) return '(absent)';
  if (r.error) return `${r.error.code}: ${r.error.message}`;
  return summarizeResponse(r.response);
}

function side(key: 'a' | 'b'): Column<CompareRow>[] {
  const label = key.toUpperCase();
  return [
    { header: `${label} state`, render: (r) => (r[key] ? <StatusBadge status={r[key].state} /> : <span className="muted">absent</span>) },
    { header: `${label} response`, render: (r) => <span className={`truncate${r[key]?.error ? ' text-bad' : ''}`} title={outcome(r[key])}>{outcome(r[key])}</span> },
  ];
}

const COLUMNS: Column<CompareRow>[] = [
  { header: 'custom_id', render: (r) => <span className="truncate" title={r.customId}>{r.customId}</span>, className: 'mono' },
  ...side('a'),
  ...side('b'),
  {
    header: 'Same',
    render: (r) => {
      const same = outcome(r.a) === outcome(r.b);
      return <span className={same ? 'muted' : 'text-warn'}>{same ? 'same' : 'differs'}</span>;
    },
  },
];
const GRID = 'minmax(8rem, 14rem) 6.5rem minmax(10rem, 1fr) 6.5rem minmax(10rem, 1fr) 5rem';

/** Two batches side by side by custom_id (the old system's historical viewers). */
export function CompareView({ a, b }: { a: string | null; b: string | null }) {
  const ids = useAppStore(selectAllBatchIds);
  return (
    <div className="view">
      <h1 className="view__title">Compare batches</h1>
      <div className="toolbar">
        <BatchPicker label="Batch A" value={a} ids={ids} onChange={(v) => navigate({ view: 'compare', a: v, b }, { replace: true })} />
        <BatchPicker label="Batch B" value={b} ids={ids} onChange={(v) => navigate({ view: 'compare', a, b: v }, { replace: true })} />
      </div>
      {a && b ? <CompareTable a={a} b={b} /> : <p className="muted">Choose two batches to compare their results request by request.</p>}
    </div>
  );
}

function CompareTable({ a, b }: { a: string; b: string }) {
  const api = useApi();
  const paged = usePagedRows<CompareRow>(`${a}|${b}`, (offset, limit) => api.invoke('batches.compare', { a, b, offset, limit }));
  if (paged.total === null && !paged.error) return <p className="muted" role="status">Loading comparison…</p>;
  return (
    <>
      <p className="small muted">{paged.total ?? 0} custom_id{paged.total === 1 ? '' : 's'} in either batch</p>
      <PagedTable paged={paged} count={paged.total ?? 0} columns={COLUMNS} gridTemplate={GRID} label="Comparison" height="min(70vh, 640px)" rowKey={(r) => r.customId} />
    </>
  );
}

const BatchPicker = memo(function BatchPicker({ label, value, ids, onChange }: { label: string; value: string | null; ids: string[]; onChange: (id: string | null) => void }) {
  return (
    <SelectField label={label} value={value ?? ''} onChange={(e) => onChange(e.target.value || null)}>
      <option value="">Choose a batch…</option>
      {ids.map((id) => <BatchOption key={id} id={id} />)}
      {value && !ids.includes(value) && <option value={value}>{value}</option>}
    </SelectField>
  );
});

function BatchOption({ id }: { id: string }) {
  const batch = useAppStore((s) => s.batches[id]);
  const name = batch?.name && batch.name !== id ? `${batch.name} · ` : '';
  return <option value={id}>{name}{id}{batch ? ` (${batch.status}, ${batch.counts.total})` : ''}</option>;
}
