import { useCallback, useEffect, useRef, useState } from 'react';
import { toError } from './toError.ts';

export interface Action<A extends unknown[], R> {
  run: (...args: A) => Promise<R | undefined>;
  pending: boolean;
  /** The last failure, shown in place by the caller; cleared when the action runs again. */
  error: Error | null;
  clearError: () => void;
}

/**
 * Wraps one engine call made by a button or a form: tracks pending, keeps the error for display (never
 * swallowed), and ignores results that land after the component is gone.
 */
export function useAction<A extends unknown[], R>(fn: (...args: A) => Promise<R>): Action<A, R> {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const mounted = useRef(true);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const run = useCallback(async (...args: A) => {
    setPending(true);
    setError(null);
    try {
      return await fnRef.current(...args);
    } catch (err) {
      if (mounted.current) setError(toError(err));
      return undefined;
    } finally {
      if (mounted.current) setPending(false);
    }
  }, []);

  const clearError = useCallback(() => setError(null), []);
  return { run, pending, error, clearError };
}
