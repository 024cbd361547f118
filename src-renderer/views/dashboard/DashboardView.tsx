import { ExecutorPanel } from './ExecutorPanel.tsx';
import { QueuePanel } from './QueuePanel.tsx';
import { ActiveBatchesPanel } from './ActiveBatchesPanel.tsx';
import { AlertsPanel } from './AlertsPanel.tsx';
import { NodesSummaryPanel } from './NodesSummaryPanel.tsx';
import { NoBackendPanel } from './NoBackendPanel.tsx';
import { GpuCardsPanel } from '../gpus/GpuCardsPanel.tsx';

export function DashboardView() {
  return (
    <div className="view">
      <h1 className="view__title">Dashboard</h1>
      <NoBackendPanel />
      <div className="dashboard-grid">
        <div className="dashboard-grid__col">
          <ExecutorPanel />
          <QueuePanel />
          <AlertsPanel />
        </div>
        <div className="dashboard-grid__col dashboard-grid__col--wide">
          <ActiveBatchesPanel />
          <GpuCardsPanel />
          <NodesSummaryPanel />
        </div>
      </div>
    </div>
  );
}
