import { useEffect } from 'react';
import { useApi } from './api/ApiContext.tsx';
import { useRoute } from './router/useRoute.ts';
import type { Route } from './router/routes.ts';
import { Nav } from './layout/Nav.tsx';
import { ConnectionBanner } from './layout/ConnectionBanner.tsx';
import { DropOverlay } from './layout/DropOverlay.tsx';
import { Announcer } from './layout/Announcer.tsx';
import { useWindowFileDrop } from './views/submit/useWindowFileDrop.ts';
import { useFileTransfer } from './api/FileTransferContext.tsx';
import { DashboardView } from './views/dashboard/DashboardView.tsx';
import { BatchesView } from './views/batches/BatchesView.tsx';
import { BatchDetailView } from './views/batchDetail/BatchDetailView.tsx';
import { SubmitView } from './views/submit/SubmitView.tsx';
import { BackendsView } from './views/backends/BackendsView.tsx';
import { NodesView } from './views/nodes/NodesView.tsx';
import { GpusView } from './views/gpus/GpusView.tsx';
import { CompareView } from './views/compare/CompareView.tsx';
import { SettingsView } from './views/settings/SettingsView.tsx';

const TITLES: Record<Route['view'], string> = {
  dashboard: 'Dashboard', batches: 'Batches', batch: 'Batch', submit: 'Submit', backends: 'Backends',
  nodes: 'Nodes', gpus: 'GPUs', compare: 'Compare', settings: 'Settings',
};

function View({ route }: { route: Route }) {
  switch (route.view) {
    case 'dashboard': return <DashboardView />;
    case 'batches': return <BatchesView tab={route.tab} />;
    case 'batch': return <BatchDetailView key={route.id} id={route.id} />;
    case 'submit': return <SubmitView />;
    case 'backends': return <BackendsView />;
    case 'nodes': return <NodesView />;
    case 'gpus': return <GpusView />;
    case 'compare': return <CompareView a={route.a} b={route.b} />;
    case 'settings': return <SettingsView />;
  }
}

export function App({ onRetrySnapshot }: { onRetrySnapshot: () => void }) {
  const api = useApi();
  const route = useRoute();
  const files = useFileTransfer();
  useWindowFileDrop(api, files);
  useEffect(() => {
    document.title = `${route.view === 'batch' ? `Batch ${route.id}` : TITLES[route.view]} · Batchdeck`;
  }, [route]);
  return (
    <div className="app">
      <a className="skip-link" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>Skip to content</a>
      <Nav view={route.view} />
      <main className="main" id="main" tabIndex={-1}>
        <ConnectionBanner onRetry={onRetrySnapshot} />
        <View route={route} />
      </main>
      <DropOverlay />
      <Announcer />
    </div>
  );
}
