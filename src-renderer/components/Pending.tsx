import { useEffect, useState } from 'react';
import { useNow } from '../hooks/useNow.ts';
import { formatDuration } from '../format/time.ts';

/** When `key` last took its current value: how long a state or a pending action has lasted, as this window saw it. */
export function useSince(key: string | boolean | null): number {
  const [since, setSince] = useState(() => Date.now());
  useEffect(() => {
    setSince(Date.now());
  }, [key]);
  return since;
}

/**
 * A pending action or state that takes a while (a model load over RPC takes minutes): a spinner, what it
 * waits for, and for how long, so slow is never mistaken for stuck.
 */
export function Pending({ what, since, className }: { what: string; since: number; className?: string }) {
  const now = useNow();
  const seconds = Math.max(0, Math.floor((now - since) / 1000));
  return (
    <p className={`pending small ${className ?? ''}`} role="status" data-testid="pending">
      <span className="spinner" aria-hidden="true" />
      <span>{what}</span>
      <span className="pending__elapsed num">{formatDuration(seconds)}</span>
    </p>
  );
}
