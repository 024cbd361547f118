import { useState } from 'react';
import { BACKEND_KINDS, type BackendInfo, type BackendKind } from '../../../shared/backend.ts';
import { useApi } from '../../api/ApiContext.tsx';
import { useAction } from '../../api/useAction.ts';
import { applyLocally } from '../../store/applyLocally.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { SelectField } from '../../components/SelectField.tsx';

/** Kinds an operator adds by hand; the simulator and the coordinator are added by the engine. */
const EDITABLE_KINDS: BackendKind[] = BACKEND_KINDS.filter((k) => k !== 'simulator' && k !== 'coordinator');

const PLACEHOLDERS: Partial<Record<BackendKind, string>> = {
  'llama-server': 'http://127.0.0.1:8080',
  vllm: 'http://127.0.0.1:8000',
  ollama: 'http://127.0.0.1:11434/v1',
  'openai-compatible': 'http://127.0.0.1:8000',
};

/** Add a backend (no `backend`) or edit one. A stored API key is never shown; leave it blank to keep it. */
export function BackendForm({ backend, onDone }: { backend?: BackendInfo; onDone: () => void }) {
  const api = useApi();
  const [name, setName] = useState(backend?.name ?? '');
  const [kind, setKind] = useState<BackendKind>(backend?.kind ?? 'llama-server');
  const [baseUrl, setBaseUrl] = useState(backend?.baseUrl ?? '');
  const [apiKey, setApiKey] = useState('');
  const [clearKey, setClearKey] = useState(false);
  const [maxConcurrency, setMaxConcurrency] = useState(backend ? String(backend.maxConcurrency) : '');
  const [enabled, setEnabled] = useState(backend?.enabled ?? true);

  const save = useAction(async () => {
    const concurrency = maxConcurrency.trim() === '' ? undefined : Number(maxConcurrency);
    const fields = {
      name: name.trim(),
      kind,
      baseUrl: baseUrl.trim(),
      enabled,
      ...(concurrency !== undefined ? { maxConcurrency: concurrency } : {}),
    };
    const key = clearKey ? { apiKey: null } : apiKey ? { apiKey } : {};
    const saved = backend
      ? await api.invoke('backends.update', { id: backend.id, ...fields, ...key })
      : await api.invoke('backends.add', { ...fields, ...key });
    applyLocally('backend.updated', saved);
    onDone();
  });

  const kinds = backend && !EDITABLE_KINDS.includes(backend.kind) ? [backend.kind, ...EDITABLE_KINDS] : EDITABLE_KINDS;
  return (
    <form
      className="form form--card"
      aria-label={backend ? `Edit backend ${backend.name}` : 'Add a backend'}
      onSubmit={(e) => {
        e.preventDefault();
        void save.run();
      }}
    >
      <div className="form__row">
        <label className="field">
          <span>Name</span>
          <input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <SelectField label="Kind" className="field--narrow" value={kind} onChange={(e) => setKind(e.target.value as BackendKind)}>
          {kinds.map((k) => <option key={k} value={k}>{k}</option>)}
        </SelectField>
        <label className="field field--wide">
          <span>Base URL</span>
          <input required type="url" value={baseUrl} placeholder={PLACEHOLDERS[kind] ?? 'http://host:port'} onChange={(e) => setBaseUrl(e.target.value)} />
        </label>
      </div>
      <div className="form__row">
        <label className="field">
          <span>API key</span>
          <input
            type="password"
            autoComplete="off"
            value={apiKey}
            disabled={clearKey}
            placeholder={!backend?.hasApiKey ? 'none' : baseUrl.trim() !== backend.baseUrl ? 'a new URL drops the stored key: enter it again' : 'stored; leave blank to keep'}
            onChange={(e) => setApiKey(e.target.value)}
          />
        </label>
        {backend?.hasApiKey && (
          <label className="field field--check">
            <input type="checkbox" checked={clearKey} onChange={(e) => setClearKey(e.target.checked)} />
            <span>Remove the stored key</span>
          </label>
        )}
        <label className="field field--narrow">
          <span>Max concurrency</span>
          <input type="number" min={1} max={1024} value={maxConcurrency} placeholder="kind default" onChange={(e) => setMaxConcurrency(e.target.value)} />
        </label>
        <label className="field field--check">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
          <span>Enabled</span>
        </label>
      </div>
      <div className="form__actions">
        <button type="submit" className="btn btn--primary" disabled={save.pending}>{backend ? 'Save backend' : 'Add backend'}</button>
        <button type="button" className="btn btn--ghost" onClick={onDone}>Cancel</button>
      </div>
      <ErrorMessage error={save.error} onDismiss={save.clearError} title="Not saved" />
    </form>
  );
}
