import { useSyncExternalStore } from 'react';
import { hrefOf, parseHash, type Route } from './routes.ts';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

let cachedHash: string | null = null;
let cachedRoute: Route = { view: 'dashboard' };

function currentRoute(): Route {
  // Same hash, same object: useSyncExternalStore needs a stable snapshot.
  if (window.location.hash !== cachedHash) {
    cachedHash = window.location.hash;
    cachedRoute = parseHash(cachedHash);
  }
  return cachedRoute;
}

export function useRoute(): Route {
  return useSyncExternalStore(subscribe, currentRoute);
}

export function navigate(route: Route, options: { replace?: boolean } = {}): void {
  const href = hrefOf(route);
  if (options.replace) window.location.replace(href);
  else window.location.hash = href.slice(1);
}
