import { useAppStore } from '../store/appStore.ts';
import { selectBatchTabCounts } from '../store/selectors.ts';
import type { Route } from '../router/routes.ts';
import { ConnectionIndicator } from './ConnectionIndicator.tsx';

const ITEMS: { href: string; label: string; views: Route['view'][] }[] = [
  { href: '#/dashboard', label: 'Dashboard', views: ['dashboard'] },
  { href: '#/batches', label: 'Batches', views: ['batches', 'batch'] },
  { href: '#/submit', label: 'Submit', views: ['submit'] },
  { href: '#/backends', label: 'Backends', views: ['backends'] },
  { href: '#/nodes', label: 'Nodes', views: ['nodes'] },
  { href: '#/gpus', label: 'GPUs', views: ['gpus'] },
  { href: '#/compare', label: 'Compare', views: ['compare'] },
  { href: '#/settings', label: 'Settings', views: ['settings'] },
];

/** The left navigation. Link names are the bare view names; a count beside one is its description ("2 open alerts"). */
export function Nav({ view }: { view: Route['view'] }) {
  const active = useAppStore((s) => selectBatchTabCounts(s).active);
  const alerts = useAppStore((s) => Object.keys(s.alerts).length);
  const badges: Record<string, number> = { Batches: active, Dashboard: alerts };
  // What each count counts, said to screen readers (as the link's description) and on hover.
  const meaning: Record<string, (n: number) => string> = {
    Batches: (n) => `${n} active batch${n === 1 ? '' : 'es'}`,
    Dashboard: (n) => `${n} open alert${n === 1 ? '' : 's'}`,
  };
  return (
    <nav className="nav" aria-label="Main">
      <div className="nav__brand">
        <span className="nav__logo" aria-hidden="true">▦</span> Batchdeck
      </div>
      <ul className="nav__list">
        {ITEMS.map((item) => {
          const current = item.views.includes(view);
          const badge = badges[item.label];
          const described = badge ? meaning[item.label]!(badge) : null;
          const descId = `nav-badge-${item.label}`;
          return (
            <li key={item.href}>
              <a href={item.href} className={`nav__link${current ? ' nav__link--current' : ''}`} aria-current={current ? 'page' : undefined} aria-describedby={described ? descId : undefined}>
                {item.label}
                {badge ? <span className={`nav__badge${item.label === 'Dashboard' ? ' nav__badge--alert' : ''}`} aria-hidden="true" title={described ?? undefined}>{badge}</span> : null}
              </a>
              {described && <span id={descId} className="visually-hidden">{described}</span>}
            </li>
          );
        })}
      </ul>
      <ConnectionIndicator />
    </nav>
  );
}
