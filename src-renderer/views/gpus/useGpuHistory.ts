import { useEffect, useMemo, useState } from 'react';
import { useApi } from '../../api/ApiContext.tsx';
import { throttle } from '../../hooks/throttle.ts';
import { GpuHistoryBuffer } from './gpuHistoryBuffer.ts';
import { toError } from '../../api/toError.ts';

/** Charts redraw at most once a second, however many hosts report. */
const REDRAW_MS = 1000;

export function useGpuHistory(): { buffer: GpuHistoryBuffer; version: number; error: Error | null; loading: boolean } {
  const api = useApi();
  const buffer = useMemo(() => new GpuHistoryBuffer(), []);
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    let live = true;
    const redraw = throttle(() => live && setVersion((v) => v + 1), REDRAW_MS);
    // Subscribe before fetching, so nothing between the answer and the subscription is lost.
    const off = api.on('gpu.updated', (status) => {
      buffer.append(status);
      redraw.call();
    });
    api.invoke('gpus.history', {}).then(
      (history) => {
        if (!live) return;
        buffer.load(history);
        setLoading(false);
        setVersion((v) => v + 1);
      },
      (err: unknown) => {
        if (!live) return;
        setError(toError(err));
        setLoading(false);
      },
    );
    return () => {
      live = false;
      off();
      redraw.cancel();
    };
  }, [api, buffer]);

  return { buffer, version, error, loading };
}
