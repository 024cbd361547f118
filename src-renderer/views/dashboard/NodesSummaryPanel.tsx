import { useAppStore } from '../../store/appStore.ts';
import { selectNodeIds } from '../../store/selectors.ts';
import { Panel } from '../../components/Panel.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatBytes } from '../../format/numbers.ts';
import { formatClock } from '../../format/time.ts';
import { memo } from 'react';

const RUNNING = new Set(['checking', 'starting', 'loading', 'ready', 'unresponsive']);

export function NodesSummaryPanel() {
  const ids = useAppStore(selectNodeIds);
  const coordinator = useAppStore((s) => s.coordinator);
  const loaded = useAppStore((s) => s.connection.loaded);
  return (
    <Panel title="Nodes and coordinator" actions={<a className="btn btn--small" href="#/nodes">Manage nodes</a>}>
      {coordinator && (
        <p className="node-summary__coord">
          Coordinator <StatusBadge status={coordinator.state} />
          {RUNNING.has(coordinator.state) && coordinator.baseUrl && <code className="small nowrap">{coordinator.baseUrl}</code>}
          {coordinator.model && <span className="small muted truncate" title={coordinator.model}>{coordinator.model}</span>}
        </p>
      )}
      {loaded && ids.length === 0 && <p className="muted">No GPU node configured.</p>}
      {ids.length > 0 && (
        <ul className="node-summary" aria-label="Nodes">
          {ids.map((id) => <NodeSummary key={id} id={id} />)}
        </ul>
      )}
    </Panel>
  );
}

const NodeSummary = memo(function NodeSummary({ id }: { id: string }) {
  const node = useAppStore((s) => s.nodes[id]);
  if (!node) return null;
  // A held node is not probed: its devices are the last known ones. No device reported is "unknown", not 0 B.
  const devices = node.probe?.devices ?? [];
  const free = devices.length > 0 ? devices.reduce((sum, d) => sum + d.freeBytes, 0) : null;
  return (
    <li className="node-summary__item">
      <span className="node-summary__name">{node.name}</span>
      <StatusBadge status={node.state} title={node.message ?? undefined} />
      <span className="small muted">{node.probe?.version ?? ''}</span>
      <span className="small muted num">{free != null ? `${formatBytes(free)} free` : ''}</span>
      <span className="small muted num">{node.probe?.latencyMs != null ? `${node.probe.latencyMs.toFixed(1)} ms` : ''}</span>
      {node.heldSince != null && <span className="small muted node-summary__held">held by the coordinator since {formatClock(node.heldSince)}; last known values</span>}
    </li>
  );
});
