import { useEffect, useState } from 'react';
import type { BatchLogEntry } from '../../../shared/batch.ts';
import { useApi } from '../../api/ApiContext.tsx';
import { toError } from '../../api/toError.ts';

const KEEP = 5000;

/** The batch's event log: batches.log when the view opens, then every batch.log event for it. */
export function useBatchLog(batchId: string): { entries: BatchLogEntry[]; error: Error | null; loading: boolean } {
  const api = useApi();
  const [entries, setEntries] = useState<BatchLogEntry[]>([]);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    let live = true;
    let loaded = false;
    let early: BatchLogEntry[] = [];
    setEntries([]);
    setLoading(true);
    setError(null);
    // Subscribe first; entries pushed before the fetch answers are merged with it by id.
    const off = api.on('batch.log', (entry) => {
      if (entry.batchId !== batchId) return;
      if (!loaded) early.push(entry);
      else setEntries((prev) => (prev.at(-1)?.id ?? -1) < entry.id ? [...prev, entry].slice(-KEEP) : merge(prev, [entry]));
    });
    api.invoke('batches.log', { id: batchId, limit: 500 }).then(
      (fetched) => {
        if (!live) return;
        loaded = true;
        setEntries(merge(fetched, early));
        early = [];
        setLoading(false);
      },
      (err: unknown) => {
        if (!live) return;
        loaded = true;
        setEntries(merge([], early));
        setError(toError(err));
        setLoading(false);
      },
    );
    return () => {
      live = false;
      off();
    };
  }, [api, batchId]);

  return { entries, error, loading };
}

function merge(a: BatchLogEntry[], b: BatchLogEntry[]): BatchLogEntry[] {
  const byId = new Map<number, BatchLogEntry>();
  for (const e of a) byId.set(e.id, e);
  for (const e of b) byId.set(e.id, e);
  return [...byId.values()].sort((x, y) => x.id - y.id).slice(-KEEP);
}
