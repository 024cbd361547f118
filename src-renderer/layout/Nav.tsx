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

/** The left navigation. Link names are the bare view names; counts beside them are decoration. */
export function Nav({ view }: { view: Route['view'] }) {
  const active = useAppStore((s) => selectBatchTabCounts(s).active);
  const alerts = useAppStore((s) => Object.keys(s.alerts).length);
  const badges: Record<string, number> = { Batches: active, Dashboard: alerts };
  return (
    <nav className="nav" aria-label="Main">
      <div className="nav__brand">
        <span className="nav__logo" aria-hidden="true">▦</span> Batchdeck
      </div>
      <ul className="nav__list">
        {ITEMS.map((item) => {
          const current = item.views.includes(view);
          const badge = badges[item.label];
          return (
            <li key={item.href}>
              <a href={item.href} className={`nav__link${current ? ' nav__link--current' : ''}`} aria-current={current ? 'page' : undefined}>
                {item.label}
                {badge ? <span className={`nav__badge${item.label === 'Dashboard' ? ' nav__badge--alert' : ''}`} aria-hidden="true">{badge}</span> : null}
              </a>
            </li>
          );
        })}
      </ul>
      <ConnectionIndicator />
    </nav>
  );
}
