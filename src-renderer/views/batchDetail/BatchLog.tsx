import { memo, useEffect, useRef } from 'react';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { formatClock } from '../../format/time.ts';
import { useBatchLog } from './useBatchLog.ts';

/** The batch's event log, following new entries while the operator is at the bottom. */
export const BatchLog = memo(function BatchLog({ batchId }: { batchId: string }) {
  const { entries, error, loading } = useBatchLog(batchId);
  const boxRef = useRef<HTMLOListElement>(null);
  const atBottom = useRef(true);

  useEffect(() => {
    const box = boxRef.current;
    if (box && atBottom.current) box.scrollTop = box.scrollHeight;
  }, [entries]);

  return (
    <div>
      <ErrorMessage error={error} title="Could not load the log" />
      {loading && <p className="muted" role="status">Loading log…</p>}
      {!loading && entries.length === 0 && !error && <p className="muted">No log entries.</p>}
      <ol
        className="log"
        ref={boxRef}
        aria-label="Event log"
        aria-live="polite"
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget;
          atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {entries.map((e) => (
          <li key={e.id} className={`log__entry log__entry--${e.level}`}>
            <time className="log__time">{formatClock(e.at)}</time>
            <span className="log__level">{e.level}</span>
            <span className="log__message">{e.message}</span>
          </li>
        ))}
      </ol>
    </div>
  );
});
