import { useAppStore } from '../../store/appStore.ts';
import { selectGpuHosts } from '../../store/selectors.ts';
import { Panel } from '../../components/Panel.tsx';
import { GpuHostSection } from './GpuHostSection.tsx';

/** GPU cards of every host (this machine and the nodes), for the Dashboard and the GPUs view. */
export function GpuCardsPanel({ title = 'GPUs' }: { title?: string }) {
  const hosts = useAppStore(selectGpuHosts);
  const loaded = useAppStore((s) => s.connection.loaded);
  return (
    <Panel title={title}>
      {loaded && hosts.length === 0 && <p className="muted">No GPU telemetry yet.</p>}
      {hosts.map((host) => <GpuHostSection key={host} host={host} />)}
    </Panel>
  );
}
