import { useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { BatchRow } from './BatchRow.tsx';

const ROW_HEIGHT = 52;

/** The batch list, virtualized: thousands of past batches cost the DOM a screenful of rows. */
export function BatchTable({ ids, label }: { ids: string[]; label: string }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: ids.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
    getItemKey: (i) => ids[i] ?? i,
  });
  return (
    <div className="grid-table batch-table" role="table" aria-label={label} aria-rowcount={ids.length + 1}>
      <div role="rowgroup">
        <div className="batch-row grid-row grid-row--header" role="row" aria-rowindex={1}>
          <div role="columnheader">Batch</div>
          <div role="columnheader">Status</div>
          <div role="columnheader">Progress</div>
          <div role="columnheader">Failed</div>
          <div role="columnheader">Model</div>
          <div role="columnheader">Created</div>
          <div role="columnheader">Throughput / finished</div>
        </div>
      </div>
      <div className="grid-table__scroll" ref={scrollRef} role="rowgroup">
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => (
            <BatchRow
              key={item.key}
              id={ids[item.index]!}
              rowIndex={item.index + 2}
              style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
            />
          ))}
        </div>
      </div>
    </div>
  );
}
