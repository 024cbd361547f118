import { memo, useEffect, useState } from 'react';
import type { NodeInfo, NodeState } from '../../../shared/nodes.ts';
import { useApi } from '../../api/ApiContext.tsx';
import { useAction } from '../../api/useAction.ts';
import { useAppStore } from '../../store/appStore.ts';
import { applyLocally } from '../../store/applyLocally.ts';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { DASH, formatBytes } from '../../format/numbers.ts';
import { formatWhen } from '../../format/time.ts';
import { MessageText } from '../../components/MessageText.tsx';
import { Pending, useSince } from '../../components/Pending.tsx';
import { NodeLogView } from './NodeLogView.tsx';
import { HostKeyPrompt } from './HostKeyPrompt.tsx';
import { LanWarning } from './LanWarning.tsx';
import { NodeForm } from './NodeForm.tsx';
import { StateAge } from './StateAge.tsx';

const STARTABLE: NodeState[] = ['stopped', 'unreachable', 'error', 'unknown'];
const STOPPABLE: NodeState[] = ['running', 'busy', 'starting', 'error', 'unknown'];
const COLUMNS = 7;

/** One node: a row of facts and buttons, and under it what needs the operator's eyes (host key, warnings, log). */
export const NodeRow = memo(function NodeRow({ id }: { id: string }) {
  const api = useApi();
  const node = useAppStore((s) => s.nodes[id]);
  const [editing, setEditing] = useState(false);
  const [acting, setActing] = useState<'start' | 'stop' | null>(null);
  const act = useAction(async (name: 'nodes.start' | 'nodes.stop') => {
    setActing(name === 'nodes.start' ? 'start' : 'stop');
    try {
      applyLocally('node.updated', await api.invoke(name, { id }));
    } finally {
      setActing(null);
    }
  });
  const actingSince = useSince(acting);
  const remove = useAction(async () => applyLocally('node.removed', await api.invoke('nodes.remove', { id })));
  // A refusal is about the node as it was: once its host key is accepted or it runs, the old error is stale.
  const { clearError } = act;
  const state = node?.state;
  const acceptedKey = node?.acceptedHostKey;
  useEffect(() => {
    if (state === 'running' || state === 'stopped') clearError();
  }, [acceptedKey, state, clearError]);
  if (!node) return null;

  if (editing) {
    return (
      <tbody>
        <tr><td colSpan={COLUMNS}><NodeForm node={node} onDone={() => setEditing(false)} /></td></tr>
      </tbody>
    );
  }
  const hasLog = node.logTail.length > 0 || node.pid !== null || ['running', 'busy', 'error', 'starting'].includes(node.state);
  const hasDetails = node.pendingHostKey || node.bind === 'lan' || hasLog || act.error || remove.error || node.message || acting;
  const held = node.heldSince != null;
  return (
    <tbody className="node" data-node-id={node.id}>
      <tr aria-label={`Node ${node.name}`}>
        <th scope="row">
          <div className="node__name">{node.name}</div>
          <div className="small muted mono">{node.user}@{node.host}:{node.sshPort}</div>
          <div className="small muted">{node.bind === 'tunnel' ? 'SSH tunnel' : 'LAN'}{node.endpoint ? ` · ${node.endpoint}` : ''}</div>
        </th>
        <td>
          <StatusBadge status={node.state} title={node.message ?? undefined} />
          <StateAge node={node} />
          {node.pid != null && <div className="small muted">pid {node.pid}</div>}
        </td>
        <td>
          {node.probe?.version ?? DASH}
          {node.probe?.protocolMajor != null && <div className="small muted">protocol v{node.probe.protocolMajor}</div>}
          {node.versionMismatch && <div className="small text-bad">differs from the coordinator's</div>}
        </td>
        <td><DeviceMemory node={node} /></td>
        <td className="num" title={held ? 'last measured before the coordinator took the node' : undefined}>{node.probe?.latencyMs != null ? `${node.probe.latencyMs.toFixed(1)} ms` : DASH}</td>
        <td><NodeGpus host={node.name} /></td>
        <td className="node__actions">
          <button type="button" className="btn btn--small btn--primary" aria-label={`Start ${node.name}`} disabled={act.pending || !STARTABLE.includes(node.state)} onClick={() => void act.run('nodes.start')}>
            Start
          </button>
          <button type="button" className="btn btn--small" aria-label={`Stop ${node.name}`} disabled={act.pending || !STOPPABLE.includes(node.state)} onClick={() => void act.run('nodes.stop')}>
            Stop
          </button>
          <button type="button" className="btn btn--small btn--ghost" aria-label={`Edit ${node.name}`} onClick={() => setEditing(true)}>Edit</button>
          <ConfirmButton label="Remove" confirmLabel="Confirm remove" name={node.name} onConfirm={() => void remove.run()} disabled={remove.pending} />
        </td>
      </tr>
      {hasDetails && (
        <tr className="node__details">
          <td colSpan={COLUMNS}>
            {acting && <Pending what={acting === 'start' ? `Starting rpc-server on ${node.name} and waiting for its protocol probe to answer` : `Stopping rpc-server on ${node.name}`} since={actingSince} />}
            {/* While a host key waits, the prompt below says it all (the fingerprint once). */}
            {node.message && !node.pendingHostKey && !held && (
              <p className={`small ${node.state === 'error' || node.state === 'unreachable' ? 'text-bad' : 'muted'}`}><MessageText text={node.message} /></p>
            )}
            <HostKeyPrompt node={node} />
            {node.bind === 'lan' && <LanWarning node={node} />}
            {/* The node's own message already says why when the engine reports the same failure. */}
            <ErrorMessage error={act.error?.message === node.message ? null : act.error} onDismiss={act.clearError} title={`${node.name}: the engine refused`} />
            <ErrorMessage error={remove.error} onDismiss={remove.clearError} title="Not removed" />
            {hasLog && <NodeLogView node={node} defaultOpen={node.state === 'error'} />}
            {/* A held node is not probed on purpose: its values are the last known, and that is no error. */}
            {node.probe && (held
              ? <p className="small muted">version, memory and latency as last probed at {formatWhen(node.probe.at)}, before the coordinator took the node</p>
              : <p className="small muted">probed {formatWhen(node.probe.at)}{node.probe.error && node.state !== 'busy' ? ` · ${node.probe.error}` : ''}</p>)}
          </td>
        </tr>
      )}
    </tbody>
  );
});

function DeviceMemory({ node }: { node: NodeInfo }) {
  const devices = node.probe?.devices ?? [];
  if (devices.length === 0) return <span className="muted">{DASH}</span>;
  return (
    <ul className="plain small">
      {devices.map((d) => (
        <li key={d.index} className="num">
          dev {d.index}: {formatBytes(d.freeBytes)} free of {formatBytes(d.totalBytes)}
        </li>
      ))}
    </ul>
  );
}

/** GPUs the node's nvidia-smi reports (over its SSH session), from the same live GPU state as the GPU cards. */
function NodeGpus({ host }: { host: string }) {
  const status = useAppStore((s) => s.gpus[host]);
  if (!status) return <span className="muted">{DASH}</span>;
  if (status.poller.state === 'no-gpu') return <span className="small muted">no NVIDIA GPU</span>;
  if (status.poller.state === 'failing') return <span className="small text-bad" title={status.poller.message}>nvidia-smi failing</span>;
  const gpus = status.snapshot?.gpus ?? [];
  if (gpus.length === 0) return <span className="muted">{DASH}</span>;
  return (
    <ul className="plain small">
      {gpus.map((g) => (
        <li key={g.uuid ?? g.index}>
          {g.name ?? `GPU ${g.index}`} · {g.utilizationGpuPercent ?? DASH}% · {g.temperatureC ?? DASH}°C
        </li>
      ))}
    </ul>
  );
}
