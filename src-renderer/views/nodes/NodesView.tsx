import { useState } from 'react';
import { useApi } from '../../api/ApiContext.tsx';
import { useAction } from '../../api/useAction.ts';
import { useAppStore } from '../../store/appStore.ts';
import { selectNodeIds } from '../../store/selectors.ts';
import { applyLocally } from '../../store/applyLocally.ts';
import { Panel } from '../../components/Panel.tsx';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { Loading } from '../../components/Loading.tsx';
import { Pending, useSince } from '../../components/Pending.tsx';
import { NodeForm } from './NodeForm.tsx';
import { NodeRow } from './NodeRow.tsx';
import { CoordinatorPanel } from './CoordinatorPanel.tsx';
import { ReplicasPanel } from './ReplicasPanel.tsx';

export function NodesView() {
  const api = useApi();
  const ids = useAppStore(selectNodeIds);
  const loaded = useAppStore((s) => s.connection.loaded);
  const [adding, setAdding] = useState(false);
  const [allWhat, setAllWhat] = useState<'nodes.startAll' | 'nodes.stopAll' | null>(null);
  const all = useAction(async (what: 'nodes.startAll' | 'nodes.stopAll') => {
    setAllWhat(what);
    try {
      for (const node of await api.invoke(what, {})) applyLocally('node.updated', node);
    } finally {
      setAllWhat(null);
    }
  });
  const allSince = useSince(allWhat);

  return (
    <div className="view">
      <div className="view__head">
        <h1 className="view__title">GPU nodes</h1>
        <div className="view__actions">
          <button type="button" className="btn" disabled={all.pending || ids.length === 0} onClick={() => void all.run('nodes.startAll')}>Start all</button>
          <ConfirmButton className="btn" label="Stop all" confirmLabel="Confirm stop all" disabled={all.pending || ids.length === 0} onConfirm={() => void all.run('nodes.stopAll')} />
          {!adding && <button type="button" className="btn" onClick={() => setAdding(true)}>Add node…</button>}
        </div>
      </div>
      {allWhat && <Pending what={allWhat === 'nodes.startAll' ? 'Starting rpc-server on every node and waiting for each probe' : 'Stopping the coordinator, then rpc-server on every node'} since={allSince} />}
      <ErrorMessage error={all.error} onDismiss={all.clearError} title="Not every node changed" />
      {adding && <NodeForm onDone={() => setAdding(false)} />}
      <Panel title={`llama.cpp rpc-server nodes (${ids.length})`}>
        {!loaded && <Loading what="nodes" />}
        {loaded && ids.length === 0 && (
          <p className="muted">No node yet. Add a machine reachable over SSH that has llama.cpp's rpc-server; Batchdeck starts and watches it.</p>
        )}
        {ids.length > 0 && (
          <table className="table nodes-table" aria-label="Nodes">
            <colgroup>
              <col className="col--node" /><col className="col--state" /><col className="col--version" /><col className="col--memory" />
              <col className="col--latency" /><col className="col--gpus" /><col className="col--actions" />
            </colgroup>
            <thead>
              <tr>
                <th scope="col">Node</th>
                <th scope="col">State</th>
                <th scope="col">Version</th>
                <th scope="col">Device memory</th>
                <th scope="col" className="num">Latency</th>
                <th scope="col">GPUs</th>
                <th scope="col"><span className="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            {ids.map((id) => <NodeRow key={id} id={id} />)}
          </table>
        )}
      </Panel>
      <CoordinatorPanel />
      <ReplicasPanel />
    </div>
  );
}
