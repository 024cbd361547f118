import { memo, useState } from 'react';
import type { BackendTestResult } from '../../../shared/backend.ts';
import { useApi } from '../../api/ApiContext.tsx';
import { useAction } from '../../api/useAction.ts';
import { useAppStore } from '../../store/appStore.ts';
import { applyLocally } from '../../store/applyLocally.ts';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { ProgressBar } from '../../components/ProgressBar.tsx';
import { formatWhen } from '../../format/time.ts';
import { BackendForm } from './BackendForm.tsx';

export const BackendRow = memo(function BackendRow({ id }: { id: string }) {
  const api = useApi();
  const b = useAppStore((s) => s.backends[id]);
  const servedByAll = useAppStore((s) => Object.values(s.backends).reduce((n, x) => n + x.requestsServed, 0));
  const [editing, setEditing] = useState(false);
  const [test, setTest] = useState<BackendTestResult | null>(null);
  const runTest = useAction(async () => {
    setTest(null);
    setTest(await api.invoke('backends.test', { id }));
  });
  const remove = useAction(async () => {
    const { id: removed } = await api.invoke('backends.remove', { id });
    applyLocally('backend.removed', { id: removed });
  });
  if (!b) return null;
  if (editing) return <li className="card"><BackendForm backend={b} onDone={() => setEditing(false)} /></li>;

  return (
    <li className={`card backend${b.simulated ? ' backend--simulated' : ''}`} aria-label={`Backend ${b.name}`} data-backend-id={b.id}>
      <div className="backend__head">
        <strong className="backend__name">{b.name}</strong>
        {b.simulated && <span className="badge badge--sim" title="Answers with generated text; no model runs">Simulated</span>}
        <span className="badge badge--muted">{b.kind}</span>
        <StatusBadge status={b.health} title={b.lastError ?? undefined} />
        {!b.enabled && <span className="badge badge--warn">disabled</span>}
        <code className="small muted truncate" title={b.baseUrl}>{b.baseUrl}</code>
        <span className="backend__actions">
          <button type="button" className="btn btn--small" onClick={() => void runTest.run()} disabled={runTest.pending}>
            Test connection
          </button>
          <button type="button" className="btn btn--small" onClick={() => setEditing(true)}>Edit</button>
          <ConfirmButton label="Remove" confirmLabel="Confirm remove" name={b.name} onConfirm={() => void remove.run()} disabled={remove.pending} />
        </span>
      </div>
      {b.simulated && <p className="small text-sim">Built-in simulator: answers are generated, not produced by a model. Use it to try the whole flow.</p>}
      <div className="backend__body">
        <div className="backend__load">
          <span className="small muted">In flight</span>
          <span className="num small">{b.inFlight} / {b.maxConcurrency}</span>
          <ProgressBar value={b.maxConcurrency > 0 ? b.inFlight / b.maxConcurrency : null} label={`Slots in use on ${b.name}`} />
        </div>
        <div className="backend__served">
          <span className="small muted">Served</span>
          <span className="num small" aria-label={`Requests served by ${b.name}`}>
            {b.requestsServed}{servedByAll > 0 ? ` (${Math.round((b.requestsServed / servedByAll) * 100)}% of all)` : ''}
          </span>
        </div>
        <div className="backend__models">
          <span className="small muted">Models</span>
          {b.models.length === 0 ? <span className="small muted">none reported</span> : (
            <ul className="chips" aria-label={`Models served by ${b.name}`}>
              {b.models.map((m) => <li key={m} className="chip">{m}</li>)}
            </ul>
          )}
        </div>
        <div className="small muted">
          checked {formatWhen(b.lastCheckedAt)}{b.hasApiKey ? ' · API key stored' : ''}
        </div>
      </div>
      {b.lastError && b.health !== 'up' && <p className="small text-bad">{b.lastError}</p>}
      {test && (
        <p className={`small ${test.ok ? 'text-ok' : 'text-bad'}`} role="status">
          {test.ok ? 'Connection OK' : 'Connection failed'}
          {test.latencyMs != null ? ` in ${Math.round(test.latencyMs)} ms` : ''}: {test.message}
          {test.models.length > 0 ? ` · models: ${test.models.join(', ')}` : ''}
        </p>
      )}
      <ErrorMessage error={runTest.error} onDismiss={runTest.clearError} title="Test failed" />
      <ErrorMessage error={remove.error} onDismiss={remove.clearError} title="Not removed" />
    </li>
  );
});
