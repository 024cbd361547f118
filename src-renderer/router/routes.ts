/** Every place the window can show, as a hash URL (#/...), so tests and bookmarks can go straight there. */
export type Route =
  | { view: 'dashboard' }
  | { view: 'batches'; tab: 'active' | 'completed' | 'failed' }
  | { view: 'batch'; id: string }
  | { view: 'submit' }
  | { view: 'backends' }
  | { view: 'nodes' }
  | { view: 'gpus' }
  | { view: 'compare'; a: string | null; b: string | null }
  | { view: 'settings' };

const TABS = ['active', 'completed', 'failed'] as const;

export function parseHash(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?', 2);
  const parts = path.split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  const params = new URLSearchParams(query);
  switch (parts[0]) {
    case 'batches': {
      if (parts[1]) return { view: 'batch', id: parts[1] };
      const tab = params.get('tab');
      return { view: 'batches', tab: (TABS as readonly string[]).includes(tab ?? '') ? (tab as (typeof TABS)[number]) : 'active' };
    }
    case 'submit':
    case 'backends':
    case 'nodes':
    case 'gpus':
    case 'settings':
      return { view: parts[0] };
    case 'compare':
      return { view: 'compare', a: params.get('a'), b: params.get('b') };
    default:
      return { view: 'dashboard' };
  }
}

export function hrefOf(route: Route): string {
  switch (route.view) {
    case 'batch':
      return `#/batches/${encodeURIComponent(route.id)}`;
    case 'batches':
      return route.tab === 'active' ? '#/batches' : `#/batches?tab=${route.tab}`;
    case 'compare': {
      const q = new URLSearchParams();
      if (route.a) q.set('a', route.a);
      if (route.b) q.set('b', route.b);
      const s = q.toString();
      return s ? `#/compare?${s}` : '#/compare';
    }
    default:
      return `#/${route.view}`;
  }
}
