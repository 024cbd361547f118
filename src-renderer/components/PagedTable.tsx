import { memo, useEffect, useRef, useState, type ReactNode } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { PagedRows } from '../hooks/pagedRows.ts';
import { ROWS_PER_WINDOW, RowWindowNav } from './RowWindowNav.tsx';

export interface Column<T> {
  header: string;
  /** Cell content; not called for rows whose page has not arrived yet. */
  render: (row: T, index: number) => ReactNode;
  className?: string;
}

/**
 * A virtualized table over a PagedRows list: only the rows on screen exist in the DOM and only their pages
 * are fetched, so 100,000 rows scroll like 100. Longer lists scroll 100,000 rows at a time (RowWindowNav).
 * Column widths come from one CSS grid template.
 */
export function PagedTable<T>({ paged, count, columns, gridTemplate, label, rowHeight = 34, height = 420, selectedIndex, onSelect, rowKey }: {
  paged: PagedRows<T>;
  count: number;
  columns: Column<T>[];
  gridTemplate: string;
  label: string;
  rowHeight?: number;
  height?: number | string;
  selectedIndex?: number | null;
  onSelect?: (row: T, index: number) => void;
  rowKey?: (row: T) => string;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  // The first row of the window shown; rows keep their numbers in the whole list (index = start + virtual index).
  const [windowStart, setWindowStart] = useState(0);
  const start = windowStart < count ? windowStart : Math.max(0, Math.floor((count - 1) / ROWS_PER_WINDOW) * ROWS_PER_WINDOW);
  const shown = Math.max(0, Math.min(ROWS_PER_WINDOW, count - start));
  const virtualizer = useVirtualizer({
    count: shown,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 10,
  });
  const items = virtualizer.getVirtualItems();
  const first = start + (items[0]?.index ?? 0);
  const last = start + (items.at(-1)?.index ?? 0);

  useEffect(() => {
    if (count > 0) paged.ensure(first, last);
  }, [paged, first, last, count]);

  // A jump lands once the new window is laid out.
  const goTo = useRef<number | null>(null);
  useEffect(() => {
    if (goTo.current === null) return;
    virtualizer.scrollToIndex(goTo.current - start, { align: 'start' });
    goTo.current = null;
  }, [start, virtualizer]);
  const go = (index: number) => {
    goTo.current = index;
    const next = Math.floor(index / ROWS_PER_WINDOW) * ROWS_PER_WINDOW;
    if (next === start) {
      virtualizer.scrollToIndex(index - start, { align: 'start' });
      goTo.current = null;
    } else setWindowStart(next);
  };

  return (
    <div className="grid-table" role="table" aria-label={label} aria-rowcount={count + 1}>
      <div role="rowgroup">
        <div className="grid-row grid-row--header" role="row" aria-rowindex={1} style={{ gridTemplateColumns: gridTemplate }}>
          {columns.map((c) => <div key={c.header} role="columnheader" className={c.className}>{c.header}</div>)}
        </div>
      </div>
      <div className="grid-table__scroll" ref={scrollRef} role="rowgroup" style={{ height }}>
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const index = start + item.index;
            const row = paged.row(index);
            return (
              <PagedRow
                key={row && rowKey ? rowKey(row) : index}
                row={row}
                index={index}
                top={item.start}
                height={rowHeight}
                columns={columns}
                gridTemplate={gridTemplate}
                selected={selectedIndex === index}
                onSelect={onSelect}
              />
            );
          })}
        </div>
      </div>
      {count > ROWS_PER_WINDOW && <RowWindowNav label={label} start={start} count={count} onGo={go} />}
      {paged.error && <p className="small text-bad" role="alert">Could not load rows: {paged.error.message}</p>}
    </div>
  );
}

interface RowProps<T> {
  row: T | undefined;
  index: number;
  top: number;
  height: number;
  columns: Column<T>[];
  gridTemplate: string;
  selected: boolean;
  onSelect: ((row: T, index: number) => void) | undefined;
}

function PagedRowImpl<T>({ row, index, top, height, columns, gridTemplate, selected, onSelect }: RowProps<T>) {
  const select = row && onSelect ? () => onSelect(row, index) : undefined;
  return (
    <div
      className={`grid-row${selected ? ' grid-row--selected' : ''}${row ? '' : ' grid-row--loading'}`}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={onSelect ? selected : undefined}
      tabIndex={select ? 0 : undefined}
      onClick={select}
      onKeyDown={select ? (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); select(); } } : undefined}
      style={{ position: 'absolute', top: 0, left: 0, right: 0, height, transform: `translateY(${top}px)`, gridTemplateColumns: gridTemplate }}
    >
      {row
        ? columns.map((c) => <div key={c.header} role="cell" className={c.className}>{c.render(row, index)}</div>)
        : columns.map((c, i) => <div key={c.header} role="cell" className="muted">{i === 0 ? index + 1 : '…'}</div>)}
    </div>
  );
}

const PagedRow = memo(PagedRowImpl) as typeof PagedRowImpl;
