import { useState } from 'react';
import { useAppStore } from '../../store/appStore.ts';
import { selectBackends } from '../../store/selectors.ts';
import { Loading } from '../../components/Loading.tsx';
import { BackendForm } from './BackendForm.tsx';
import { BackendRow } from './BackendRow.tsx';
import { StartSimulatorButton } from './StartSimulatorButton.tsx';

export function BackendsView() {
  const backends = useAppStore(selectBackends);
  const loaded = useAppStore((s) => s.connection.loaded);
  const [adding, setAdding] = useState(false);

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
          <StartSimulatorButton />
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
