import { memo } from 'react';
import { useAppStore } from '../../store/appStore.ts';
import { selectBatchIds } from '../../store/selectors.ts';
import { Panel } from '../../components/Panel.tsx';
import { ProgressBar } from '../../components/ProgressBar.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatRate } from '../../format/numbers.ts';
import { formatDuration } from '../../format/time.ts';
import { hrefOf } from '../../router/routes.ts';
import { progressRatio, progressText, progressTone } from '../batches/batchProgress.ts';

const selectActive = selectBatchIds('active');

export function ActiveBatchesPanel() {
  const ids = useAppStore(selectActive);
  const loaded = useAppStore((s) => s.connection.loaded);
  return (
    <Panel title={`Active batches (${ids.length})`} actions={<a className="btn btn--small" href="#/submit">Submit a batch</a>}>
      {loaded && ids.length === 0 && <p className="muted">No batch is running. Drop a .jsonl file anywhere on the window to submit one.</p>}
      {ids.length > 0 && (
        <ul className="active-batches" aria-label="Active batches">
          {ids.map((id) => <ActiveBatch key={id} id={id} />)}
        </ul>
      )}
    </Panel>
  );
}

/** One row per batch, subscribed to that batch only: an update re-renders one row, not the list. */
const ActiveBatch = memo(function ActiveBatch({ id }: { id: string }) {
  const b = useAppStore((s) => s.batches[id]);
  if (!b) return null;
  return (
    <li className="active-batch" data-batch-id={b.id}>
      <div className="active-batch__head">
        <a href={hrefOf({ view: 'batch', id: b.id })} className="active-batch__name">{b.name || b.id}</a>
        <code className="muted small">{b.id}</code>
        <StatusBadge status={b.status} />
        <span className="num active-batch__count">{progressText(b)}</span>
      </div>
      <ProgressBar value={progressRatio(b)} label={`Progress of ${b.name || b.id}`} tone={progressTone(b)} />
      <div className="active-batch__stats small muted">
        <span>{formatRate(b.throughput.requestsPerSecond)} req/s</span>
        <span>{formatRate(b.throughput.tokensPerSecond)} tok/s</span>
        <span>ETA {formatDuration(b.throughput.etaSeconds)}</span>
        {b.counts.failed > 0 && <span className="text-bad">{b.counts.failed} failed</span>}
        {b.model && <span>{b.model}</span>}
      </div>
    </li>
  );
});
