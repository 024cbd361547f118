import { useEffect, useMemo, useSyncExternalStore } from 'react';
import { PagedRows, type FetchPage } from './pagedRows.ts';

/**
 * A PagedRows for the life of the given key (batch id, filter): a new key starts a fresh list.
 * `fetchPage` is read at creation, so it must depend only on values that are part of the key.
 */
export function usePagedRows<T>(key: string, fetchPage: FetchPage<T>, pageSize = 200): PagedRows<T> {
  // The key names everything fetchPage depends on, so fetchPage itself is not a dependency.
  const paged = useMemo(() => new PagedRows<T>(fetchPage, pageSize), [key, pageSize]);
  useSyncExternalStore(paged.subscribe, paged.getVersion);
  useEffect(() => {
    paged.ensure(0, pageSize - 1);
  }, [paged, pageSize]);
  return paged;
}
