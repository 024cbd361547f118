import { useId, useState, type FormEvent } from 'react';
import { formatInt } from '../format/numbers.ts';

/**
 * Rows a PagedTable scrolls through at a time. A browser cannot make a box taller than ~33.5 million pixels,
 * so a million 34 px rows in one scroller leave the last ones out of reach; and the virtualizer keeps an
 * entry per row (a 3M-row batch took 60 MB of the window's heap). Bigger lists are shown a window at a time.
 */
export const ROWS_PER_WINDOW = 100_000;

/** Previous / next window of rows, where the shown rows are, and a jump to any row by its number. */
export function RowWindowNav({ label, start, count, onGo }: {
  label: string;
  start: number;
  count: number;
  /** Shows the window holding row `index` (0-based) and scrolls it into view. */
  onGo: (index: number) => void;
}) {
  const id = useId();
  const [target, setTarget] = useState('');
  const end = Math.min(count, start + ROWS_PER_WINDOW);
  const go = (e: FormEvent) => {
    e.preventDefault();
    const n = Math.round(Number(target));
    if (Number.isFinite(n) && n >= 1 && n <= count) onGo(n - 1);
  };
  return (
    <div className="row-window" role="group" aria-label={`${label}: rows shown`}>
      <button type="button" className="btn btn--small" disabled={start === 0} onClick={() => onGo(Math.max(0, start - ROWS_PER_WINDOW))}>
        Previous {formatInt(ROWS_PER_WINDOW)}
      </button>
      <span className="small" aria-live="polite">Rows {formatInt(start + 1)}–{formatInt(end)} of {formatInt(count)}</span>
      <button type="button" className="btn btn--small" disabled={end >= count} onClick={() => onGo(end)}>
        Next {formatInt(Math.min(ROWS_PER_WINDOW, count - end) || ROWS_PER_WINDOW)}
      </button>
      <form className="row-window__go" onSubmit={go}>
        <label htmlFor={id} className="small">Go to row</label>
        <input id={id} type="number" min={1} max={count} step={1} value={target} onChange={(e) => setTarget(e.target.value)} />
        <button type="submit" className="btn btn--small">Go</button>
      </form>
    </div>
  );
}
