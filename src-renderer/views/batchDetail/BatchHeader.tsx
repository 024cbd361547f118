import type { BatchSummary } from '../../../shared/batch.ts';
import { ProgressBar } from '../../components/ProgressBar.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatInt, formatRate } from '../../format/numbers.ts';
import { formatDuration, formatWhen } from '../../format/time.ts';
import { withoutLinePrefix } from '../../format/lineMessage.ts';
import { progressRatio, progressText, progressTone } from '../batches/batchProgress.ts';

export function BatchHeader({ batch: b }: { batch: BatchSummary }) {
  return (
    <div className="batch-header" data-batch-id={b.id}>
      <div className="batch-header__title">
        <h1 className="view__title">{b.name || b.id}</h1>
        <StatusBadge status={b.status} />
        <code className="muted">{b.id}</code>
      </div>
      <div className="batch-header__progress">
        <span className="num batch-header__count">{progressText(b)}</span>
        <ProgressBar value={progressRatio(b)} label="Batch progress" tone={progressTone(b)} />
      </div>
      <dl className="facts facts--grid">
        <div><dt>Completed</dt><dd className="num">{formatInt(b.counts.completed)}</dd></div>
        <div><dt>Failed</dt><dd className={`num${b.counts.failed ? ' text-bad' : ''}`}>{formatInt(b.counts.failed)}</dd></div>
        <div><dt>Pending</dt><dd className="num">{formatInt(b.pending)}</dd></div>
        <div><dt>In flight</dt><dd className="num">{formatInt(b.inFlight)}</dd></div>
        <div><dt>Requests/s</dt><dd className="num">{formatRate(b.throughput.requestsPerSecond)}</dd></div>
        <div><dt>Tokens/s</dt><dd className="num">{formatRate(b.throughput.tokensPerSecond)}</dd></div>
        <div><dt>ETA</dt><dd>{formatDuration(b.throughput.etaSeconds)}</dd></div>
        <div><dt>Tokens</dt><dd>{formatInt(b.usage.promptTokens)} in · {formatInt(b.usage.completionTokens)} out</dd></div>
        <div><dt>Model</dt><dd className="truncate" title={b.model ?? undefined}>{b.model ?? '—'}</dd></div>
        <div><dt>Endpoint</dt><dd className="mono small">{b.endpoint}</dd></div>
        <div><dt>Priority</dt><dd className="num">{b.priority}</dd></div>
        <div><dt>Created</dt><dd>{formatWhen(b.createdAt)}</dd></div>
        <div><dt>Started</dt><dd>{formatWhen(b.startedAt)}</dd></div>
        <div><dt>Finished</dt><dd>{formatWhen(b.finishedAt)}</dd></div>
      </dl>
      {b.errors.length > 0 && (
        <details className="batch-header__errors" open={b.status === 'failed'}>
          <summary className="text-bad">{b.errors.length} error{b.errors.length === 1 ? '' : 's'} in the input file</summary>
          <ul className="validation-errors">
            {b.errors.slice(0, 200).map((e, i) => (
              <li key={i}>{e.line != null ? `line ${e.line}: ` : ''}{withoutLinePrefix(e.message, e.line)} <code className="muted small">{e.code}</code></li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
