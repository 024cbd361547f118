import { useState } from 'react';
import type { Settings } from '../../../shared/engineState.ts';
import { useApi } from '../../api/ApiContext.tsx';
import { useAction } from '../../api/useAction.ts';
import { useAppStore } from '../../store/appStore.ts';
import { applyLocally } from '../../store/applyLocally.ts';
import { Panel } from '../../components/Panel.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { Loading } from '../../components/Loading.tsx';
import { Switch } from './Switch.tsx';
import { AllowedPathsPanel } from './AllowedPathsPanel.tsx';

type NumericKey = 'maxAttempts' | 'requestTimeoutMs' | 'defaultConcurrency' | 'gpuPollIntervalMs' | 'httpApiPort' | 'maxQueuedBatches' | 'maxQueuedRequests';

const NUMERIC: { key: NumericKey; label: string; min: number; max: number; hint: string }[] = [
  { key: 'maxAttempts', label: 'Max attempts per request', min: 1, max: 100, hint: 'Retries for connection errors, timeouts, 408, 429 and 5xx.' },
  { key: 'requestTimeoutMs', label: 'Request timeout (ms)', min: 100, max: 3_600_000, hint: 'One attempt is abandoned after this long.' },
  { key: 'defaultConcurrency', label: 'Default concurrency per backend', min: 1, max: 1024, hint: 'For backends that do not report their slots.' },
  { key: 'gpuPollIntervalMs', label: 'GPU poll interval (ms)', min: 250, max: 600_000, hint: 'How often nvidia-smi runs, locally and on each node.' },
  { key: 'httpApiPort', label: 'Local HTTP API port', min: 1, max: 65535, hint: 'The OpenAI Batch API and /api/* for scripts, on 127.0.0.1.' },
  { key: 'maxQueuedBatches', label: 'Most queued batches', min: 0, max: 1_000_000, hint: 'Batches validating, waiting or running at once; more are refused (HTTP 429). 0 = unlimited.' },
  { key: 'maxQueuedRequests', label: 'Most queued requests', min: 0, max: 1_000_000_000, hint: 'Requests of those batches not yet finished; a batch that would go over is refused (429). 0 = unlimited.' },
];

export function SettingsView() {
  const settings = useAppStore((s) => s.settings);
  return (
    <div className="view">
      <h1 className="view__title">Settings</h1>
      {!settings ? <Loading what="settings" /> : <SettingsForm settings={settings} />}
    </div>
  );
}

/**
 * Edits are a local draft over the live settings: until the operator types, the form follows
 * settings.updated; "Save settings" sends only the fields that differ.
 */
function SettingsForm({ settings }: { settings: Settings }) {
  const api = useApi();
  const [draft, setDraft] = useState<Record<NumericKey, string> | null>(null);
  const shown = draft ?? (Object.fromEntries(NUMERIC.map((f) => [f.key, String(settings[f.key])])) as Record<NumericKey, string>);

  const save = useAction(async () => {
    const patch: Partial<Settings> = {};
    for (const f of NUMERIC) {
      const value = Number(shown[f.key]);
      if (value !== settings[f.key]) patch[f.key] = value;
    }
    if (Object.keys(patch).length > 0) applyLocally('settings.updated', await api.invoke('settings.update', patch));
    setDraft(null);
  });
  const toggle = useAction(async (patch: Pick<Partial<Settings>, 'httpApiEnabled' | 'notifications' | 'autoRecovery'>) =>
    applyLocally('settings.updated', await api.invoke('settings.update', patch)));

  return (
    <>
      <Panel title="Switches">
        <Switch
          label="Local HTTP API"
          checked={settings.httpApiEnabled}
          disabled={toggle.pending}
          onChange={(on) => void toggle.run({ httpApiEnabled: on })}
          description={`Lets scripts on this machine drive Batchdeck at http://127.0.0.1:${settings.httpApiPort} (OpenAI Batch + Files API).`}
        />
        <Switch
          label="Notifications"
          checked={settings.notifications}
          disabled={toggle.pending}
          onChange={(on) => void toggle.run({ notifications: on })}
          description="A desktop notification when a batch completes or fails."
        />
        <Switch
          label="Automatic cluster recovery"
          checked={settings.autoRecovery}
          disabled={toggle.pending}
          onChange={(on) => void toggle.run({ autoRecovery: on })}
          description="After a fault, restart rpc-server on the nodes and the llama-server coordinator by itself (3 tries in 10 minutes). Off: an alert says what to restart."
        />
        <ErrorMessage error={toggle.error} onDismiss={toggle.clearError} title="Not changed" />
      </Panel>
      <AllowedPathsPanel />
      <Panel title="Execution and telemetry">
        <form
          className="form"
          aria-label="Settings"
          onSubmit={(e) => {
            e.preventDefault();
            void save.run();
          }}
        >
          <div className="settings-grid">
            {NUMERIC.map((f) => (
              <div key={f.key} className="field">
                <label htmlFor={`setting-${f.key}`}>{f.label}</label>
                <input
                  id={`setting-${f.key}`}
                  type="number"
                  min={f.min}
                  max={f.max}
                  step={1}
                  value={shown[f.key]}
                  aria-describedby={`setting-${f.key}-hint`}
                  onChange={(e) => setDraft({ ...shown, [f.key]: e.target.value })}
                />
                <small id={`setting-${f.key}-hint`} className="muted">{f.hint}</small>
              </div>
            ))}
          </div>
          <div className="form__actions">
            <button type="submit" className="btn btn--primary" disabled={save.pending || !draft}>Save settings</button>
            <button type="button" className="btn btn--ghost" disabled={!draft} onClick={() => { setDraft(null); save.clearError(); }}>Revert</button>
            {draft && <span className="small muted">Unsaved changes</span>}
          </div>
          <ErrorMessage error={save.error} onDismiss={save.clearError} title="Settings not saved" />
        </form>
      </Panel>
    </>
  );
}
