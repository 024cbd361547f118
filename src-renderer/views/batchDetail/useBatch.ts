import { useEffect, useState } from 'react';
import type { BatchSummary } from '../../../shared/batch.ts';
import { useApi } from '../../api/ApiContext.tsx';
import { useAppStore } from '../../store/appStore.ts';
import { applyLocally } from '../../store/applyLocally.ts';
import { toError } from '../../api/toError.ts';

/**
 * The batch from the store; a batch the snapshot did not carry (an old one, opened by its URL) is fetched
 * once and then kept current by batch.updated like any other.
 */
export function useBatch(id: string): { batch: BatchSummary | undefined; error: Error | null } {
  const api = useApi();
  const batch = useAppStore((s) => s.batches[id]);
  const loaded = useAppStore((s) => s.connection.loaded);
  const [error, setError] = useState<Error | null>(null);
  const missing = loaded && !batch;

  useEffect(() => {
    if (!missing) return;
    let live = true;
    setError(null);
    api.invoke('batches.get', { id }).then(
      (summary) => live && applyLocally('batch.updated', summary),
      (err: unknown) => live && setError(toError(err)),
    );
    return () => {
      live = false;
    };
  }, [api, id, missing]);

  return { batch, error };
}
