import { GpuCardsPanel } from './GpuCardsPanel.tsx';
import { Panel } from '../../components/Panel.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { useGpuHistory } from './useGpuHistory.ts';
import { GpuHostCharts } from './GpuHistoryCharts.tsx';

export function GpusView() {
  const { buffer, version, error, loading } = useGpuHistory();
  const hosts = buffer.hosts();
  return (
    <div className="view">
      <h1 className="view__title">GPUs</h1>
      <GpuCardsPanel title="Now" />
      <Panel title="History">
        <ErrorMessage error={error} title="Could not load the GPU history" />
        {loading && <p className="muted" role="status">Loading history…</p>}
        {!loading && hosts.length === 0 && !error && <p className="muted">No GPU history yet.</p>}
        {hosts.map((host) => (
          <section key={host} className="gpu-history" aria-label={`GPU history on ${host === 'local' ? 'this machine' : host}`}>
            <h3>{host === 'local' ? 'This machine' : host}</h3>
            <GpuHostCharts host={host} series={buffer.seriesOf(host)} version={version} />
          </section>
        ))}
      </Panel>
    </div>
  );
}
