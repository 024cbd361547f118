import { startTransition, useEffect, useState } from 'react';
import { hrefOf, parseHash, type Route } from './routes.ts';

/**
 * The current route. A hash change renders the new view as a transition, so React can slice the work of
 * mounting a heavy view (charts, a 100,000-row table) instead of blocking the window for one long task.
 */
export function useRoute(): Route {
  const [current, setCurrent] = useState(() => ({ hash: window.location.hash, route: parseHash(window.location.hash) }));
  useEffect(() => {
    const onChange = () => {
      const hash = window.location.hash;
      startTransition(() => setCurrent((prev) => (prev.hash === hash ? prev : { hash, route: parseHash(hash) })));
    };
    window.addEventListener('hashchange', onChange);
    // The hash may have changed between the first render and this subscription.
    onChange();
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return current.route;
}

export function navigate(route: Route, options: { replace?: boolean } = {}): void {
  const href = hrefOf(route);
  if (options.replace) window.location.replace(href);
  else window.location.hash = href.slice(1);
}
