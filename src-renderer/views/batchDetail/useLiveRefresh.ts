import { useEffect, useMemo, useRef } from 'react';
import { throttle } from '../../hooks/throttle.ts';
import type { PagedRows } from '../../hooks/pagedRows.ts';

/**
 * Result rows move as the batch runs: when the batch's counts change (a batch.updated event), refetch the
 * visible page, at most once a second.
 */
export function useLiveRefresh<T>(paged: PagedRows<T>, changeKey: string, ms = 1000): void {
  const refresher = useMemo(() => throttle(() => paged.refresh(), ms), [paged, ms]);
  const lastKey = useRef(changeKey);
  useEffect(() => () => refresher.cancel(), [refresher]);
  useEffect(() => {
    // A new list was just fetched for the key it started with; only later changes need a refresh.
    if (lastKey.current === changeKey) return;
    lastKey.current = changeKey;
    refresher.call();
  }, [changeKey, refresher]);
}
