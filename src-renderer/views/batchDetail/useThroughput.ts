import { useEffect, useState } from 'react';
import type { ThroughputPoint } from '../../../shared/batch.ts';
import { useApi } from '../../api/ApiContext.tsx';
import { toError } from '../../api/toError.ts';

const KEEP = 5000;

/**
 * Throughput over time: batches.throughput when the view opens, then one point per batch.updated (which the
 * engine coalesces to a few per second), so the chart runs with the batch.
 */
export function useThroughput(batchId: string): { points: ThroughputPoint[]; error: Error | null } {
  const api = useApi();
  const [points, setPoints] = useState<ThroughputPoint[]>([]);
  const [error, setError] = useState<Error | null>(null);

  useEffect(() => {
    let live = true;
    let loaded = false;
    let early: ThroughputPoint[] = [];
    setPoints([]);
    setError(null);
    const off = api.on('batch.updated', (b) => {
      if (b.id !== batchId || (b.status !== 'in_progress' && b.status !== 'finalizing')) return;
      const point: ThroughputPoint = {
        at: Date.now(),
        requestsPerSecond: b.throughput.requestsPerSecond,
        tokensPerSecond: b.throughput.tokensPerSecond,
        done: b.counts.completed + b.counts.failed,
      };
      if (!loaded) early.push(point);
      else setPoints((prev) => [...prev, point].slice(-KEEP));
    });
    api.invoke('batches.throughput', { id: batchId }).then(
      (fetched) => {
        if (!live) return;
        loaded = true;
        const last = fetched.at(-1)?.at ?? -Infinity;
        setPoints([...fetched, ...early.filter((p) => p.at > last)].slice(-KEEP));
        early = [];
      },
      (err: unknown) => {
        if (!live) return;
        loaded = true;
        setPoints(early);
        setError(toError(err));
      },
    );
    return () => {
      live = false;
      off();
    };
  }, [api, batchId]);

  return { points, error };
}
