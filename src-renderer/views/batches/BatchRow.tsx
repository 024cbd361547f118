import { memo, type CSSProperties } from 'react';
import { useAppStore } from '../../store/appStore.ts';
import { ProgressBar } from '../../components/ProgressBar.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatRate } from '../../format/numbers.ts';
import { formatDuration, formatWhen } from '../../format/time.ts';
import { hrefOf } from '../../router/routes.ts';
import { progressRatio, progressText, progressTone } from './batchProgress.ts';

/** One batch in the list: subscribed to its own summary only, so a progress event re-renders one row. */
export const BatchRow = memo(function BatchRow({ id, rowIndex, style }: { id: string; rowIndex: number; style: CSSProperties }) {
  const b = useAppStore((s) => s.batches[id]);
  if (!b) return null;
  const running = b.status === 'in_progress';
  return (
    <div className="batch-row grid-row" role="row" aria-rowindex={rowIndex} style={style} data-batch-id={b.id}>
      <div role="cell" className="batch-row__name">
        <a href={hrefOf({ view: 'batch', id: b.id })}>{b.name || b.id}</a>
        <code className="small muted">{b.id}</code>
      </div>
      <div role="cell"><StatusBadge status={b.status} /></div>
      <div role="cell" className="batch-row__progress">
        <span className="num">{progressText(b)}</span>
        <ProgressBar value={progressRatio(b)} label={`Progress of ${b.name || b.id}`} tone={progressTone(b)} />
      </div>
      <div role="cell" className={`num${b.counts.failed > 0 ? ' text-bad' : ' muted'}`}>{b.counts.failed}</div>
      <div role="cell" className="truncate small" title={b.model ?? undefined}>{b.model ?? '—'}</div>
      <div role="cell" className="small muted">{formatWhen(b.createdAt)}</div>
      <div role="cell" className="small muted">
        {running ? `${formatRate(b.throughput.requestsPerSecond)} req/s · ETA ${formatDuration(b.throughput.etaSeconds)}` : b.finishedAt ? `finished ${formatWhen(b.finishedAt)}` : ''}
      </div>
    </div>
  );
});
