import { useState } from 'react';
import { useApi } from '../../api/ApiContext.tsx';
import { useAction } from '../../api/useAction.ts';
import { useAppStore } from '../../store/appStore.ts';
import { selectBackends } from '../../store/selectors.ts';
import { applyLocally } from '../../store/applyLocally.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { Loading } from '../../components/Loading.tsx';
import { BackendForm } from './BackendForm.tsx';
import { BackendRow } from './BackendRow.tsx';

export function BackendsView() {
  const api = useApi();
  const backends = useAppStore(selectBackends);
  const loaded = useAppStore((s) => s.connection.loaded);
  const [adding, setAdding] = useState(false);
  const simulator = useAction(async () => applyLocally('backend.updated', await api.invoke('backends.startSimulator', {})));

  return (
    <div className="view">
      <div className="view__head">
        <h1 className="view__title">Backends</h1>
        {!adding && <button type="button" className="btn" onClick={() => setAdding(true)}>Add backend…</button>}
      </div>
      {adding && <BackendForm onDone={() => setAdding(false)} />}
      {!loaded && <Loading what="backends" />}
      {loaded && backends.length === 0 && (
        <div className="empty-state">
          <p><strong>No inference backend is configured.</strong> Batches wait in the queue until one serves their model.</p>
          <p className="muted">Add a llama-server, vLLM or Ollama endpoint, or try the whole flow first with a simulated backend (generated answers, no GPU needed).</p>
          <button type="button" className="btn btn--primary" onClick={() => void simulator.run()} disabled={simulator.pending}>
            Start the built-in simulator
          </button>
          <ErrorMessage error={simulator.error} onDismiss={simulator.clearError} title="The simulator did not start" />
        </div>
      )}
      {backends.length > 0 && (
        <ul className="cards" aria-label="Backends">
          {backends.map((b) => <BackendRow key={b.id} id={b.id} />)}
        </ul>
      )}
    </div>
  );
}
